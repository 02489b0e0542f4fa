package dev.perceval.policy.bench;

import dev.perceval.policy.io.MetricsLog;
import java.nio.file.Path;
import java.util.List;

/**
 * What a finished campaign run cost, read back from the metrics it wrote: the mean seconds of a
 * step and of each of its phases over every step but the first (which pays for warm-up), and the
 * accuracy of its last evaluation. The phases add up to the step; on the actor path a phase's time
 * includes its messages (generate holds the rollout requests and replies, sync the weight push).
 */
public record CampaignTimings(double stepS, double genS, double verifyS, double advS, double updateS, double syncS,
    double evalAccuracy) {

  /** From {@code metrics.csv} and {@code eval.csv} in the run's output directory. */
  public static CampaignTimings read(Path run) {
    Path metrics = run.resolve("metrics.csv");
    List<double[]> acc = MetricsLog.column(run.resolve("eval.csv"), "eval/accuracy");
    if (acc.isEmpty()) {
      throw new IllegalArgumentException(run + " has no evaluation in eval.csv");
    }
    return new CampaignTimings(meanAfterFirst(metrics, "step"), meanAfterFirst(metrics, "gen"),
        meanAfterFirst(metrics, "verify"), meanAfterFirst(metrics, "adv"), meanAfterFirst(metrics, "update"),
        meanAfterFirst(metrics, "sync"), acc.get(acc.size() - 1)[1]);
  }

  /** Every figure averaged over two runs of the same setup, as a bench that brackets another run takes them. */
  public static CampaignTimings mean(CampaignTimings a, CampaignTimings b) {
    return new CampaignTimings((a.stepS + b.stepS) / 2, (a.genS + b.genS) / 2, (a.verifyS + b.verifyS) / 2,
        (a.advS + b.advS) / 2, (a.updateS + b.updateS) / 2, (a.syncS + b.syncS) / 2,
        (a.evalAccuracy + b.evalAccuracy) / 2);
  }

  private static double meanAfterFirst(Path metrics, String phase) {
    List<double[]> points = MetricsLog.column(metrics, "timing_s/" + phase);
    return points.stream().skip(1).mapToDouble(p -> p[1]).sum() / Math.max(1, points.size() - 1);
  }
}
