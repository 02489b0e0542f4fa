package dev.perceval.policy.grpo;

import dev.perceval.policy.Registry;

/**
 * Outcome advantages of one group of responses to the same prompt, registered by name as in
 * EasyR1 ({@code algorithm.adv_estimator}). Each estimator is a pure function of the group's
 * rewards, built from the spec's algorithm section: {@code normalize-by-std} is read only by
 * estimators that scale.
 */
public interface AdvantageEstimator {
  double[] advantages(double[] rewards);

  /** Estimators by the names {@code algorithm.estimator} takes. */
  Registry<CampaignSpec.Algorithm, AdvantageEstimator> REGISTRY =
      new Registry<CampaignSpec.Algorithm, AdvantageEstimator>("advantage estimator")
          .register("grpo", algorithm -> grpo(algorithm.normalizeByStd()))
          .register("rloo", algorithm -> AdvantageEstimator::rloo);

  /**
   * GRPO: {@code (R_i - mean) / (std + 1e-6)} with the sample standard deviation (N-1); without
   * {@code normalizeByStd}, {@code R_i - mean} (Dr. GRPO). A singleton group has no baseline: 0.
   */
  static AdvantageEstimator grpo(boolean normalizeByStd) {
    return rewards -> {
      int n = rewards.length;
      double[] out = new double[n];
      if (n < 2) {
        return out;
      }
      double mean = 0;
      for (double r : rewards) {
        mean += r;
      }
      mean /= n;
      double var = 0;
      for (double r : rewards) {
        var += (r - mean) * (r - mean);
      }
      double std = Math.sqrt(var / (n - 1));
      for (int i = 0; i < n; i++) {
        out[i] = normalizeByStd ? (rewards[i] - mean) / (std + 1e-6) : rewards[i] - mean;
      }
      return out;
    };
  }

  /** RLOO: each response's baseline is the mean reward of the others in its group. */
  static double[] rloo(double[] rewards) {
    int n = rewards.length;
    double[] out = new double[n];
    if (n < 2) {
      return out;
    }
    double sum = 0;
    for (double r : rewards) {
      sum += r;
    }
    for (int i = 0; i < n; i++) {
      out[i] = rewards[i] - (sum - rewards[i]) / (n - 1);
    }
    return out;
  }
}
