package dev.perceval.actors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rows of named metrics appended to a CSV file (columns fixed by the first row) and kept in
 * memory for plots. A resumed run appends to the file it finds.
 */
public final class MetricsLog {
  private final Path file;
  private final List<String> columns = new ArrayList<>();
  private final Map<String, List<double[]>> series = new LinkedHashMap<>();

  public MetricsLog(Path file) {
    this.file = file;
  }

  public void append(long step, Map<String, Double> metrics) {
    try {
      if (columns.isEmpty()) {
        if (Files.exists(file) && Files.size(file) > 0) {
          // A resumed run keeps the columns the file already has.
          String header = Files.readAllLines(file).get(0);
          columns.addAll(List.of(header.substring(header.indexOf(',') + 1).split(",")));
        } else {
          columns.addAll(metrics.keySet());
          Files.createDirectories(file.toAbsolutePath().getParent());
          Files.writeString(file, "step," + String.join(",", columns) + "\n");
        }
      }
      StringBuilder row = new StringBuilder(Long.toString(step));
      for (String c : columns) {
        Double v = metrics.get(c);
        row.append(',').append(v == null ? "" : String.format(Locale.ROOT, "%.6g", v));
      }
      Files.writeString(file, row.append('\n').toString(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    metrics.forEach((k, v) -> series.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {step, v}));
  }

  /** The points of one metric as (step, value). */
  public List<double[]> series(String name) {
    return series.getOrDefault(name, List.of());
  }
}
