package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.policy.io.MetricsLog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The report of an {@link Experiment}: README.md with the analogues of the paper's tables, the
 * raw CSV behind each, and the flagged-rate figure, all from the files the stages wrote.
 */
final class ExperimentReport {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Steps averaged into one point of the flagged-rate figure. */
  private static final int WINDOW = 10;

  private ExperimentReport() {}

  static void write(Experiment e, List<String> families, Path out, PrintStream log) throws IOException {
    Files.createDirectories(out);
    Experiment.Preset p = e.preset();
    Path work = e.work();
    JsonNode sft = read(work.resolve("eval-sft.json"));
    Map<Experiment.Run, JsonNode> finals = new LinkedHashMap<>();
    for (Experiment.Run r : p.runs()) {
      finals.put(r, read(work.resolve("grpo").resolve(r.id(p)).resolve("eval-final.json")));
    }
    StringBuilder md = new StringBuilder();
    md.append("# Perceval experiments: the ").append(p.name()).append(" preset\n\n")
        .append("Written by `./perceval experiment --preset ").append(p.name()).append(" --seeds ")
        .append(p.seeds().stream().map(String::valueOf).collect(Collectors.joining(","))).append("`; every")
        .append(" number below is in the CSV files beside this page. Accuracy is greedy, on ").append(p.evalN())
        .append(" held-out tasks (digit instances no stage trained on); \"judged wrong\" is the share of")
        .append(" responses in which the scene-truth oracle finds a wrong segment.\n\n");
    setup(md, p, work);
    table1(md, out, p, sft, finals, families);
    table2(md, out, work);
    table3(md, out, p, finals);
    prm(md, out, work);
    figure(md, out, p, work);
    Files.writeString(out.resolve("README.md"), md.toString());
    log.println("experiment: report written to " + out.resolve("README.md"));
  }

  private static void setup(StringBuilder md, Experiment.Preset p, Path work) throws IOException {
    md.append("## Setup\n\n");
    md.append("- Settings of every stage (over the reference config): ").append(keys(p.settings())).append("\n");
    md.append("- SFT only, over those: ").append(keys(p.sftSettings())).append("\n");
    md.append("- Campaigns (over `campaign-reference.conf`): `")
        .append(p.campaign().root().render(com.typesafe.config.ConfigRenderOptions.concise()))
        .append("`; Perceval alpha ").append(p.alpha()).append(", outcome-only alpha 0 with the same verifier")
        .append(" measuring flags, the oracle arm with the scene-truth checker as verifier\n");
    md.append("- Seeds ").append(p.seeds()).append(": SFT, the verifier and TTS take the first; each campaign its")
        .append(" own\n");
    Path times = work.resolve("stages.json");
    if (Files.exists(times)) {
      md.append("- Minutes per stage:");
      JSON.readTree(times.toFile()).fields().forEachRemaining(f -> md.append(String.format(Locale.ROOT, " %s %.1f;",
          f.getKey(), f.getValue().asDouble())));
      md.append("\n");
    }
    md.append("\n");
  }

  private static void table1(StringBuilder md, Path out, Experiment.Preset p, JsonNode sft,
      Map<Experiment.Run, JsonNode> finals, List<String> families) throws IOException {
    List<String> rows = new ArrayList<>(families);
    rows.add("all");
    rows.add("judged wrong");
    md.append("## Table 1: held-out accuracy per question family, mean ± std over ").append(p.seeds().size())
        .append(" seeds\n\n| family | SFT start | outcome-only | Perceval | Perceval, oracle verifier |\n")
        .append("|---|---|---|---|---|\n");
    StringBuilder csv = new StringBuilder("family,arm,mean,std,seeds\n");
    for (String row : rows) {
      md.append("| ").append(row).append(" | ").append(fmt(value(sft, row))).append(" |");
      for (String arm : Experiment.ARMS) {
        double[] v = finals.entrySet().stream()
            .filter(en -> en.getKey().arm().equals(arm) && en.getKey().main(p))
            .mapToDouble(en -> value(en.getValue(), row)).toArray();
        md.append(' ').append(fmt(mean(v))).append(" ± ").append(fmt(std(v))).append(" |");
        csv.append(String.format(Locale.ROOT, "%s,%s,%.4f,%.4f,%d%n", row, arm, mean(v), std(v), v.length));
      }
      md.append('\n');
    }
    Files.writeString(out.resolve("table1.csv"), csv.toString());
    StringBuilder runs = new StringBuilder("run,arm,seed,alpha,accuracy,judged_wrong,claims_wrong,"
        + String.join(",", families) + "\n");
    finals.forEach((r, j) -> {
      runs.append(String.format(Locale.ROOT, "%s,%s,%d,%s,%.4f,%.4f,%.4f", r.id(p), r.arm(), r.seed(), r.alpha(),
          j.get("accuracy").asDouble(), j.get("judgedWrong").asDouble(), j.get("claimsWrong").asDouble()));
      families.forEach(f -> runs.append(String.format(Locale.ROOT, ",%.4f", value(j, f))));
      runs.append('\n');
    });
    Files.writeString(out.resolve("runs.csv"), runs.toString());
    md.append("\nEach run's numbers: `runs.csv`.\n\n");
  }

  private static void table2(StringBuilder md, Path out, Path work) throws IOException {
    md.append("## Table 2: test-time scaling with the verifier (first seed)\n\n")
        .append("| strategy | k | accuracy | generated tokens per question |\n|---|---|---|---|\n");
    StringBuilder csv = new StringBuilder("strategy,k,accuracy,generated_tokens,policy_calls,prm_calls,seconds\n");
    for (JsonNode r : read(work.resolve("tts.json"))) {
      md.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.1f |%n", r.get("strategy").asText(),
          r.get("k").asInt(), r.get("accuracy").asDouble(), r.get("generatedTokens").asDouble()));
      csv.append(String.format(Locale.ROOT, "%s,%d,%.4f,%.2f,%.3f,%.3f,%.2f%n", r.get("strategy").asText(),
          r.get("k").asInt(), r.get("accuracy").asDouble(), r.get("generatedTokens").asDouble(),
          r.get("policyCalls").asDouble(), r.get("prmCalls").asDouble(), r.get("seconds").asDouble()));
    }
    Files.writeString(out.resolve("table2.csv"), csv.toString());
    md.append('\n');
  }

  private static void table3(StringBuilder md, Path out, Experiment.Preset p, Map<Experiment.Run, JsonNode> finals)
      throws IOException {
    long seed = p.seeds().get(0);
    md.append("## Table 3: the penalty's weight alpha (seed ").append(seed).append(")\n\n")
        .append("| alpha | accuracy | judged wrong | claims wrong |\n|---|---|---|---|\n");
    StringBuilder csv = new StringBuilder("alpha,accuracy,judged_wrong,claims_wrong\n");
    finals.entrySet().stream()
        .filter(en -> en.getKey().seed() == seed && !en.getKey().arm().equals("oracle"))
        .sorted((a, b) -> Double.compare(a.getKey().alpha(), b.getKey().alpha()))
        .forEach(en -> {
          JsonNode j = en.getValue();
          md.append(String.format(Locale.ROOT, "| %s%s | %.3f | %.3f | %.3f |%n", en.getKey().alpha(),
              en.getKey().alpha() == 0 ? " (outcome-only)" : "", j.get("accuracy").asDouble(),
              j.get("judgedWrong").asDouble(), j.get("claimsWrong").asDouble()));
          csv.append(String.format(Locale.ROOT, "%s,%.4f,%.4f,%.4f%n", en.getKey().alpha(),
              j.get("accuracy").asDouble(), j.get("judgedWrong").asDouble(), j.get("claimsWrong").asDouble()));
        });
    Files.writeString(out.resolve("table3.csv"), csv.toString());
    md.append('\n');
  }

  private static void prm(StringBuilder md, Path out, Path work) throws IOException {
    JsonNode ev = read(work.resolve("prm-eval.json"));
    md.append(String.format(Locale.ROOT, "## The verifier: judged segments against the oracle, held-out scenes"
        + " (threshold %.2f)%n%n| set | judge | segments | wrong | precision | recall | F1 |%n"
        + "|---|---|---|---|---|---|---|%n", ev.get("threshold").asDouble()));
    StringBuilder csv = new StringBuilder("set,judge,segments,wrong,precision,recall,f1,span_iou\n");
    for (Iterator<Map.Entry<String, JsonNode>> sets = ev.get("sets").fields(); sets.hasNext(); ) {
      Map.Entry<String, JsonNode> set = sets.next();
      set.getValue().fields().forEachRemaining(row -> {
        JsonNode r = row.getValue();
        md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.3f | %.3f | %.3f |%n", set.getKey(),
            row.getKey(), r.get("judged").asInt(), r.get("wrong").asInt(), r.get("precision").asDouble(),
            r.get("recall").asDouble(), r.get("f1").asDouble()));
        csv.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.4f,%.4f,%.4f,%.4f%n", set.getKey(), row.getKey(),
            r.get("judged").asInt(), r.get("wrong").asInt(), r.get("precision").asDouble(),
            r.get("recall").asDouble(), r.get("f1").asDouble(), r.get("spanIou").asDouble()));
      });
    }
    Files.writeString(out.resolve("prm.csv"), csv.toString());
    JsonNode reading = ev.get("reading");
    md.append(String.format(Locale.ROOT, "%nObjects of %d held-out scenes read right: verifier %.3f, policy %.3f.%n%n",
        reading.get("objects").asInt(), reading.get("verifier").asDouble(), reading.get("policy").asDouble()));
  }

  /** Fig. 2: the share of training responses the verifier flags, per arm, mean over seeds. */
  private static void figure(StringBuilder md, Path out, Experiment.Preset p, Path work) throws IOException {
    StringBuilder csv = new StringBuilder("run,step,flagged_rate\n");
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    for (String arm : Experiment.ARMS) {
      Map<Integer, double[]> sums = new LinkedHashMap<>();
      for (Experiment.Run r : p.runs()) {
        if (!r.arm().equals(arm) || !r.main(p)) {
          continue;
        }
        for (double[] pt : MetricsLog.column(work.resolve("grpo").resolve(r.id(p)).resolve("metrics.csv"),
            "perceval/flagged_rate")) {
          csv.append(String.format(Locale.ROOT, "%s,%d,%.4f%n", r.id(p), (long) pt[0], pt[1]));
          double[] s = sums.computeIfAbsent((int) ((pt[0] - 1) / WINDOW), k -> new double[2]);
          s[0] += pt[1];
          s[1]++;
        }
      }
      List<double[]> pts = new ArrayList<>();
      new TreeSet<>(sums.keySet()).forEach(w -> pts.add(new double[] {(w + 1) * WINDOW, sums.get(w)[0] / sums.get(w)[1]}));
      series.put(arm, pts);
    }
    Files.writeString(out.resolve("flagged.csv"), csv.toString());
    Plots.lines(out.resolve("flagged-rate.png"), "Training responses flagged by the run's verifier", "step",
        "flagged rate (mean over seeds, " + WINDOW + "-step windows)", series);
    md.append("## Fig. 2: flagged rate over training\n\n![flagged rate](flagged-rate.png)\n\nThe share of each")
        .append(" step's sampled responses the run's verifier flags (the learned one for outcome-only and")
        .append(" Perceval, the oracle for its arm): `flagged.csv`.\n");
  }

  /** {@code `a.b = 1`, `c = x`}, sorted by key. */
  private static String keys(Map<String, Object> settings) {
    return settings.isEmpty() ? "none" : new java.util.TreeMap<>(settings).entrySet().stream()
        .map(en -> "`" + en.getKey() + " = " + en.getValue() + "`").collect(Collectors.joining(", "));
  }

  private static double value(JsonNode eval, String row) {
    return switch (row) {
      case "all" -> eval.get("accuracy").asDouble();
      case "judged wrong" -> eval.get("judgedWrong").asDouble();
      default -> eval.get("perFamily").path(row).asDouble(Double.NaN);
    };
  }

  private static JsonNode read(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new IllegalStateException("the report needs " + file + ", which no stage wrote");
    }
    return JSON.readTree(file.toFile());
  }

  private static double mean(double[] v) {
    return v.length == 0 ? Double.NaN : java.util.Arrays.stream(v).average().orElse(Double.NaN);
  }

  private static double std(double[] v) {
    if (v.length < 2) {
      return 0;
    }
    double m = mean(v);
    return Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }
}
