package dev.perceval.policy.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.model.Inputs;
import dev.perceval.policy.model.TinyVlm;

/**
 * Log-probabilities of given responses in one forward pass: what a learner recomputes (with
 * autograd when a gradient collector is open) for the sequences a sampler produced.
 */
public final class LogProbs {
  private LogProbs() {}

  /**
   * Returns (B, L) log-probs of {@code responses[b][j]} given the prompt and the response's own
   * earlier tokens, L the longest response; entries past a response's end are 0 and masked by
   * {@link #mask}.
   */
  public static NDArray of(TinyVlm model, NDManager m, float[][] images, int[][] prompts,
      int[][] responses, float temperature) {
    if (longest(responses) == 0) {
      throw new IllegalArgumentException("every response is empty: nothing to score");
    }
    Inputs in = Inputs.of(m, model.config(), images, Inputs.join(prompts, responses));
    return fromLogits(m, model.forward(in, null), prompts, responses, temperature);
  }

  /** The same, from text logits of a forward pass over {@code Inputs.join(prompts, responses)}. */
  public static NDArray fromLogits(NDManager m, NDArray logits, int[][] prompts, int[][] responses,
      float temperature) {
    return scored(m, logits, prompts, responses, temperature, false).logProbs();
  }

  /** Log-probs of the given tokens and, if asked, the entropy of each predictive distribution; (B, L) each. */
  public record Scored(NDArray logProbs, NDArray entropy) {}

  public static Scored scored(NDManager m, NDArray logits, int[][] prompts, int[][] responses,
      float temperature, boolean entropy) {
    int b = prompts.length;
    int promptWidth = 0;
    int longest = 0;
    for (int r = 0; r < b; r++) {
      promptWidth = Math.max(promptWidth, prompts[r].length);
      longest = Math.max(longest, responses[r].length);
    }
    // Logits at text index i predict token i + 1: the first response token is predicted by the
    // prompt's last position, which sits at promptWidth - 1 for every row thanks to left padding.
    NDArray predicting = logits.get(new NDIndex(":, {}:{}, :", promptWidth - 1, promptWidth - 1 + longest));
    long[] targets = new long[b * longest];
    for (int r = 0; r < b; r++) {
      for (int j = 0; j < responses[r].length; j++) {
        targets[r * longest + j] = responses[r][j];
      }
    }
    NDArray t = m.create(temperature);
    NDArray lp = predicting.div(t).logSoftmax(-1);
    NDArray mask = mask(m, responses, longest);
    NDArray picked = lp.gather(m.create(targets, new Shape(b, longest, 1)), 2).squeeze(2);
    NDArray h = entropy ? lp.exp().mul(lp).sum(new int[] {2}).neg().mul(mask) : null;
    return new Scored(picked.mul(mask), h);
  }

  /** 1 for real response tokens, 0 for padding: (B, L) float. */
  public static NDArray mask(NDManager m, int[][] responses, int longest) {
    float[] mask = new float[responses.length * longest];
    for (int r = 0; r < responses.length; r++) {
      for (int j = 0; j < responses[r].length; j++) {
        mask[r * longest + j] = 1f;
      }
    }
    return m.create(mask, new Shape(responses.length, longest));
  }

  public static int longest(int[][] responses) {
    int longest = 0;
    for (int[] r : responses) {
      longest = Math.max(longest, r.length);
    }
    return longest;
  }
}
