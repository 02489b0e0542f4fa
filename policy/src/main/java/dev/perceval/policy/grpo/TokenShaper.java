package dev.perceval.policy.grpo;

import dev.perceval.policy.Registry;
import java.util.List;

/**
 * What turns one response's outcome advantage and the verifier's flagged spans into per-token
 * advantages, registered by the names {@code algorithm.token-shaper} takes. The math lives in
 * {@link TokenAdvantages}; a shaper fixes how it is applied.
 *
 * <p>The loop shapes with the spec's shaper only on perception data it verifies and with
 * {@link #NONE} everywhere else, the paper's rule that token penalties are for perception data.
 */
public interface TokenShaper {
  /** The outcome advantage on every token, flags or not: plain GRPO. */
  String NONE = "none";

  /**
   * Per-token advantages of one response of {@code length} tokens.
   *
   * @param advantage the response's outcome advantage A_i
   * @param flagged the verifier's spans; tokens beyond {@code length} are ignored
   * @param functionWord per token, whether it is a function word; null means none is
   * @param groupHasZeroVariance whether every reward in the response's group is equal
   */
  float[] shape(double advantage, int length, List<TokenAdvantages.Span> flagged, boolean[] functionWord,
      boolean groupHasZeroVariance);

  Registry<CampaignSpec.Algorithm, TokenShaper> REGISTRY =
      new Registry<CampaignSpec.Algorithm, TokenShaper>("token shaper")
          // Perceval: A_i - alpha * m_{i,t} * |A_i| with the spec's alpha, zero-variance scale
          // and content-tokens-only.
          .register("perceval", algorithm -> penalising(algorithm.penalty()))
          // Alpha 0: TokenAdvantages leaves A_i on every token.
          .register(NONE, algorithm -> penalising(TokenAdvantages.Penalty.none()));

  /** Applies {@code penalty} to flagged tokens through {@link TokenAdvantages#of}. */
  static TokenShaper penalising(TokenAdvantages.Penalty penalty) {
    return (advantage, length, flagged, functionWord, groupHasZeroVariance) ->
        TokenAdvantages.of(advantage, length, flagged, functionWord, groupHasZeroVariance, penalty);
  }
}
