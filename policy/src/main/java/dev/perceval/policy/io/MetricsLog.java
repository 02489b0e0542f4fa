package dev.perceval.policy.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rows of named metrics appended to a CSV file (columns fixed by the first row). A run from
 * step 0 starts the file afresh; a run resumed after step {@code from} keeps the rows up to it
 * and drops later ones, which it is about to write again (steps run after the checkpoint it
 * resumes from), so no step appears twice.
 */
public final class MetricsLog {
  private final Path file;
  private final List<String> columns = new ArrayList<>();

  /** @param from the step the run starts after: 0 for a fresh run, the checkpoint's step on resume */
  public MetricsLog(Path file, long from) {
    this.file = file;
    try {
      if (from == 0) {
        Files.deleteIfExists(file);
      } else if (Files.exists(file) && Files.size(file) > 0) {
        List<String> lines = Files.readAllLines(file);
        List<String> kept = new ArrayList<>(lines.subList(0, 1));
        for (String line : lines.subList(1, lines.size())) {
          if (step(line) <= from) {
            kept.add(line);
          }
        }
        Files.write(file, kept);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + file + ": " + e.getMessage(), e);
    }
  }

  private long step(String row) {
    int comma = row.indexOf(',');
    try {
      return Long.parseLong(comma < 0 ? row : row.substring(0, comma));
    } catch (NumberFormatException e) {
      throw new IllegalStateException(file + " has a row that does not start with a step number: '" + row + "'");
    }
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
  }

  /**
   * The points (step, value) of column {@code name} of a metrics file this class wrote; empty
   * when the file or the column is missing, and rows without a value are skipped.
   */
  public static List<double[]> column(Path csv, String name) {
    List<double[]> out = new ArrayList<>();
    if (!Files.exists(csv)) {
      return out;
    }
    try {
      List<String> lines = Files.readAllLines(csv);
      int col = lines.isEmpty() ? -1 : List.of(lines.get(0).split(",")).indexOf(name);
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] f = line.split(",", -1);
        if (col > 0 && col < f.length && !f[col].isEmpty()) {
          out.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[col])});
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + csv + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** A row longer than this is not one this class wrote; a reader skips it rather than hold it whole. */
  static final int MAX_LINE = 64 * 1024;

  /** Columns of a metrics file: {@code step} and the named metrics, null where a row has no finite number. */
  public record Tail(Map<String, List<Double>> columns, boolean truncated) {
    public static Tail empty(List<String> names) {
      return new Tail(columnsFor(names), false);
    }

    private static Map<String, List<Double>> columnsFor(List<String> names) {
      Map<String, List<Double>> columns = new LinkedHashMap<>();
      columns.put("step", new ArrayList<>());
      names.forEach(n -> columns.put(n, new ArrayList<>()));
      return columns;
    }
  }

  /**
   * The last {@code rows} rows of a metrics file this class wrote, in the named columns, reading
   * it as a request may ask for it: bounded in rows and line length, and a missing or unreadable
   * file is an empty table, since a campaign that has not run a step has none.
   */
  public static Tail tail(Path csv, List<String> names, int rows) {
    Map<String, List<Double>> columns = Tail.columnsFor(names);
    if (!Files.isRegularFile(csv)) {
      return new Tail(columns, false);
    }
    ArrayDeque<String[]> last = new ArrayDeque<>();
    boolean truncated = false;
    int[] at = new int[names.size()];
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      String header = boundedLine(in);
      if (header == null) {
        return new Tail(columns, false);
      }
      List<String> fields = List.of(header.split(",", -1));
      for (int i = 0; i < names.size(); i++) {
        at[i] = fields.indexOf(names.get(i));
      }
      for (String line = boundedLine(in); line != null; line = boundedLine(in)) {
        if (!line.isEmpty()) {
          last.addLast(line.split(",", -1));
          if (last.size() > rows) {
            last.removeFirst();
            truncated = true;
          }
        }
      }
    } catch (IOException | UncheckedIOException e) {
      return Tail.empty(names);
    }
    for (String[] row : last) {
      Double step = number(row, 0);
      if (step == null) {
        continue;
      }
      columns.get("step").add(step);
      for (int i = 0; i < names.size(); i++) {
        columns.get(names.get(i)).add(number(row, at[i]));
      }
    }
    return new Tail(columns, truncated);
  }

  /** The next line, or "" for one over {@link #MAX_LINE} characters (skipped to its end), or null at the end. */
  private static String boundedLine(BufferedReader in) throws IOException {
    StringBuilder line = new StringBuilder();
    boolean tooLong = false;
    for (int ch = in.read(); ; ch = in.read()) {
      if (ch == -1) {
        return line.isEmpty() && !tooLong ? null : tooLong ? "" : line.toString();
      }
      if (ch == '\n') {
        return tooLong ? "" : line.toString();
      }
      if (!tooLong && ch != '\r') {
        line.append((char) ch);
        tooLong = line.length() > MAX_LINE;
      }
    }
  }

  private static Double number(String[] row, int column) {
    if (column < 0 || column >= row.length || row[column].isBlank()) {
      return null;
    }
    try {
      double v = Double.parseDouble(row[column].strip());
      return Double.isFinite(v) ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
