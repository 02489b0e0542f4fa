package dev.perceval.prm;

import dev.perceval.policy.world.ClaimVerdict;

/**
 * A span of a response that contradicts the image: the verifier's unit of output and what the
 * learner turns into token penalties.
 *
 * @param tokenStart first token of the span in the sampled response ids
 * @param tokenEnd one past its last token
 * @param probability the verifier's probability that the claim is wrong
 * @param errorType what it gets wrong, when the verifier knows (the oracle does), else null
 */
public record FlaggedClaim(String text, int tokenStart, int tokenEnd, double probability,
    ClaimVerdict.ErrorType errorType) {
  public FlaggedClaim {
    if (tokenStart < 0 || tokenEnd <= tokenStart) {
      throw new IllegalArgumentException("bad span [" + tokenStart + ", " + tokenEnd + ")");
    }
  }
}
