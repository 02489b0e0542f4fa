package dev.perceval.policy.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * PPO's clipped surrogate on the token ratio, with separate low and high clip ranges (DAPO's
 * clip-higher) and dual clip for negative advantages, as in verl's {@code compute_policy_loss}:
 *
 * <pre>
 *   r = exp(logp - oldLogp)                        (log-ratio clamped to [-20, 20])
 *   l1 = -A r,  l2 = -A clip(r, 1 - low, 1 + high),  l = max(l1, l2)
 *   A < 0:  l = min(l, -A c)                       (dual clip, c > 1)
 * </pre>
 *
 * Every input is (B, L); results are per token, in {@code logp}'s manager. Scalars are 0-d
 * arrays because scalar overloads free their operand before autograd reads it.
 */
public final class PolicyLoss {
  private PolicyLoss() {}

  /** Clip settings; {@code dualClip <= 1} turns dual clip off. */
  public record Clip(float low, float high, float dualClip) {
    public Clip {
      if (!(low > 0 && low < 1) || !(high > 0)) {
        throw new IllegalArgumentException("clip ranges must be low in (0, 1) and high > 0, got " + low + " and " + high);
      }
    }

    public static Clip defaults() {
      return new Clip(0.2f, 0.28f, 3f);
    }
  }

  /**
   * @param loss per-token surrogate loss
   * @param clipped 1 where the ratio clip was active (l2 > l1)
   * @param dualClipped 1 where dual clip bound the loss (negative advantages only)
   * @param ratio the token ratio
   */
  public record Result(NDArray loss, NDArray clipped, NDArray dualClipped, NDArray ratio) {}

  public static Result of(NDArray logp, NDArray oldLogp, NDArray advantages, Clip clip) {
    NDManager m = logp.getManager();
    NDArray ratio = logp.sub(oldLogp).clip(-20, 20).exp();
    NDArray negA = advantages.neg();
    NDArray l1 = ratio.mul(negA);
    NDArray bounded = ratio.maximum(m.create(1f - clip.low())).minimum(m.create(1f + clip.high()));
    NDArray l2 = bounded.mul(negA);
    NDArray clippedLoss = l1.maximum(l2);
    NDArray clipped = l2.gt(l1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
    if (clip.dualClip() <= 1) {
      return new Result(clippedLoss, clipped, clipped.zerosLike(), ratio);
    }
    NDArray l3 = negA.mul(m.create(clip.dualClip()));
    NDArray negative = advantages.lt(m.create(0f)).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
    NDArray dual = clippedLoss.minimum(l3);
    // Select by arithmetic: l + neg * (min(l, l3) - l) keeps one differentiable expression.
    NDArray loss = clippedLoss.add(dual.sub(clippedLoss).mul(negative));
    NDArray dualClipped = clippedLoss.gt(l3).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mul(negative);
    return new Result(loss, clipped, dualClipped, ratio);
  }
}
