package dev.perceval.policy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a finished campaign run cost, read back from the metrics it wrote: the mean step and
 * weight sync seconds over every step but the first (which pays for warm-up), and the accuracy
 * of its last evaluation.
 */
public record CampaignTimings(double stepS, double syncS, double evalAccuracy) {

  /** From {@code metrics.csv} and {@code eval.csv} in the run's output directory. */
  public static CampaignTimings read(Path run) throws IOException {
    List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
    List<String> header = List.of(lines.get(0).split(","));
    int step = header.indexOf("timing_s/step");
    int sync = header.indexOf("timing_s/sync");
    double stepSum = 0;
    double syncSum = 0;
    int n = 0;
    for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
      String[] f = line.split(",");
      stepSum += Double.parseDouble(f[step]);
      syncSum += Double.parseDouble(f[sync]);
      n++;
    }
    List<String> evals = Files.readAllLines(run.resolve("eval.csv"));
    int acc = List.of(evals.get(0).split(",")).indexOf("eval/accuracy");
    double accuracy = Double.parseDouble(evals.get(evals.size() - 1).split(",")[acc]);
    return new CampaignTimings(stepSum / Math.max(1, n), syncSum / Math.max(1, n), accuracy);
  }
}
