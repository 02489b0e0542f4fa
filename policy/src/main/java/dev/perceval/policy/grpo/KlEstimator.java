package dev.perceval.policy.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.perceval.policy.Registry;

/**
 * Per-token estimators of KL(policy || reference) from the two log-probs of the sampled token
 * (Schulman's k1, k2, k3; verl's "kl", "mse", "low_var_kl"). Results land in {@code logp}'s manager.
 */
public enum KlEstimator {
  /** {@code log p - log ref}: unbiased, high variance, can be negative. */
  K1,
  /** {@code (log p - log ref)^2 / 2}: biased, low variance. */
  K2,
  /** {@code exp(log ref - log p) - (log ref - log p) - 1}: unbiased and non-negative; clamped to [-10, 10] as in verl. */
  K3;

  /** Estimators by the names {@code actor.kl-estimator} takes; an estimator has nothing to configure. */
  public static final Registry<Void, KlEstimator> REGISTRY = new Registry<Void, KlEstimator>("KL estimator")
      .register("k1", unused -> K1)
      .register("k2", unused -> K2)
      .register("k3", unused -> K3);

  public static KlEstimator byName(String name) {
    return REGISTRY.create(name, null);
  }

  public NDArray apply(NDArray logp, NDArray refLogp) {
    NDManager m = logp.getManager();
    NDArray diff = logp.sub(refLogp);
    return switch (this) {
      case K1 -> diff;
      case K2 -> diff.square().mul(m.create(0.5f));
      case K3 -> {
        NDArray d = diff.neg().clip(-20, 20);
        yield d.exp().sub(d).sub(m.create(1f)).clip(-10, 10);
      }
    };
  }
}
