package dev.perceval.policy.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.Registry;

/**
 * How per-token losses become one number, registered by name (verl's {@code loss_agg_mode}).
 *
 * <p>The contract that makes every mode invariant to how an update's batch is split into
 * micro-batches: each mode is a weighted sum {@code sum_{i,t} w_{i,t} * l_{i,t}} whose weights
 * depend only on the sequence's own length and on {@link Norm}, the token count, sequence count
 * and horizon of the <em>whole</em> update batch, fixed before it is split. Summing the losses
 * (and so the gradients) of any split therefore gives exactly the loss of the unsplit batch.
 * Normalising by a micro-batch's own counts, the usual bug, would not.
 */
public enum LossAggregation {
  /** {@code w = 1 / T}: every valid token of the update batch counts the same (DAPO). */
  TOKEN_MEAN("token-mean"),
  /** {@code w = 1 / (N * len_i)}: mean over tokens, then over sequences (original GRPO). */
  SEQ_MEAN_TOKEN_MEAN("seq-mean-token-mean"),
  /** {@code w = 1 / N}: sum over tokens, mean over sequences. */
  SEQ_MEAN_TOKEN_SUM("seq-mean-token-sum"),
  /** {@code w = 1 / (N * H)}: token sum over a constant horizon H, mean over sequences (Dr. GRPO). */
  SEQ_MEAN_TOKEN_SUM_NORM("seq-mean-token-sum-norm");

  /** Modes by the names {@code actor.loss-agg} takes; a mode has nothing to configure. */
  public static final Registry<Void, LossAggregation> REGISTRY = registry();

  private final String label;

  LossAggregation(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static LossAggregation byName(String name) {
    return REGISTRY.create(name, null);
  }

  private static Registry<Void, LossAggregation> registry() {
    Registry<Void, LossAggregation> r = new Registry<>("loss aggregation");
    for (LossAggregation a : values()) {
      r.register(a.label, unused -> a);
    }
    return r;
  }

  /** Counts of the whole update batch: valid tokens, sequences, and the horizon (max new tokens). */
  public record Norm(long tokens, int sequences, int horizon) {
    public Norm {
      if (tokens < 1 || sequences < 1 || horizon < 1) {
        throw new IllegalArgumentException("an update batch needs tokens, sequences and a horizon, got "
            + tokens + ", " + sequences + ", " + horizon);
      }
    }

    public static Norm of(int[] lengths, int horizon) {
      long t = 0;
      for (int l : lengths) {
        t += l;
      }
      return new Norm(t, lengths.length, horizon);
    }
  }

  /** The weights {@code w_{i,t}} of a micro-batch, (B, L), zero on padding. */
  public float[] weights(int[] lengths, int longest, Norm norm) {
    float[] w = new float[lengths.length * longest];
    for (int i = 0; i < lengths.length; i++) {
      double wi = switch (this) {
        case TOKEN_MEAN -> 1.0 / norm.tokens();
        case SEQ_MEAN_TOKEN_MEAN -> lengths[i] == 0 ? 0 : 1.0 / ((double) norm.sequences() * lengths[i]);
        case SEQ_MEAN_TOKEN_SUM -> 1.0 / norm.sequences();
        case SEQ_MEAN_TOKEN_SUM_NORM -> 1.0 / ((double) norm.sequences() * norm.horizon());
      };
      for (int t = 0; t < lengths[i]; t++) {
        w[i * longest + t] = (float) wi;
      }
    }
    return w;
  }

  /** {@code sum(w * perToken)} for a micro-batch whose rows have {@code lengths} valid tokens. */
  public NDArray aggregate(NDArray perToken, int[] lengths, Norm norm) {
    NDManager m = perToken.getManager();
    int longest = (int) perToken.getShape().get(1);
    NDArray w = m.create(weights(lengths, longest, norm), new Shape(lengths.length, longest));
    return perToken.mul(w).sum();
  }
}
