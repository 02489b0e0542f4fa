package dev.perceval.policy.bench;

import dev.perceval.policy.io.MetricsLog;
import java.nio.file.Path;
import java.util.List;

/**
 * What a finished campaign run cost, read back from the metrics it wrote: the mean step and
 * weight sync seconds over every step but the first (which pays for warm-up), and the accuracy
 * of its last evaluation.
 */
public record CampaignTimings(double stepS, double syncS, double evalAccuracy) {

  /** From {@code metrics.csv} and {@code eval.csv} in the run's output directory. */
  public static CampaignTimings read(Path run) {
    List<double[]> steps = MetricsLog.column(run.resolve("metrics.csv"), "timing_s/step");
    List<double[]> syncs = MetricsLog.column(run.resolve("metrics.csv"), "timing_s/sync");
    List<double[]> acc = MetricsLog.column(run.resolve("eval.csv"), "eval/accuracy");
    if (acc.isEmpty()) {
      throw new IllegalArgumentException(run + " has no evaluation in eval.csv");
    }
    return new CampaignTimings(meanAfterFirst(steps), meanAfterFirst(syncs), acc.get(acc.size() - 1)[1]);
  }

  private static double meanAfterFirst(List<double[]> points) {
    return points.stream().skip(1).mapToDouble(p -> p[1]).sum() / Math.max(1, points.size() - 1);
  }
}
