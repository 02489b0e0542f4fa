package dev.perceval.cluster.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.policy.Settings;
import dev.perceval.policy.bench.CampaignTimings;
import dev.perceval.policy.bench.LearnerThroughput;
import dev.perceval.policy.bench.SamplingThroughput;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.prm.PrmSettings;
import dev.perceval.prm.bench.VerifierThroughput;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Every bench in one run at the sizes the performance goals name, printed as one table of
 * figures with their goals, and written as JSON: the figures, the machine, and each bench's raw
 * results. Ratios are taken within this run only.
 */
@Command(name = "all", mixinStandardHelpOptions = true,
    description = "Every bench in one run: one table of figures, their goals and whether each is met, also as JSON.")
final class BenchAll implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(names = "--json", required = true, paramLabel = "FILE", description = "Where the results are written.")
  Path json;

  @Option(names = "--d-model", defaultValue = "256", description = "Width of the sampling and learner models.")
  int dModel;

  @Option(names = "--small-d-model", defaultValue = "128", description = "Width of the learner's second size.")
  int smallDModel;

  @Option(names = "--batch", defaultValue = "64", description = "Rows of the sampling, learner and verifier batches.")
  int batch;

  @Option(names = "--decode-batch", defaultValue = "256", description = "Rows of the cached-decode FLOP/s run.")
  int decodeBatch;

  @Option(names = "--group-size", defaultValue = "8",
      description = "Responses per task of the verifier's GRPO-shaped batch.")
  int groupSize;

  @Option(names = "--new-tokens", defaultValue = "96", description = "Decoded tokens per row; the learner's too.")
  int newTokens;

  @Option(names = "--repeats", defaultValue = "2", description = "Timed runs per measurement; the best counts.")
  int repeats;

  @Option(names = "--gemm", defaultValue = "1024", description = "Side of the square matmul of the GEMM peak.")
  int gemm;

  @Option(names = "--policy", defaultValue = "runs/quickstart/policy-sft") Path policy;

  @Option(names = "--verifier", defaultValue = "runs/quickstart/prm",
      description = "The cluster bench's verifier checkpoint, or oracle.") Path verifier;

  @Option(names = "--steps", defaultValue = "6", description = "Cluster bench campaign steps.") int steps;

  @Option(names = "--setups", split = ",", description = "Cluster bench setups (${DEFAULT-VALUE}).",
      defaultValue = "in-process,one-node,three-jvms-artery,three-jvms-aeron")
  List<String> setups;

  @Option(names = "--node-threads", defaultValue = "1",
      description = "libtorch threads of each of the three node JVMs, which share this machine's cores.")
  int nodeThreads;

  @Option(names = "--out", defaultValue = "runs/bench-all", description = "Where the cluster bench's runs go.")
  Path out;

  /**
   * One figure of the table: a value, its unit, and the goal it is held to (null where a figure is
   * printed for context only): {@code atMost} true for a ceiling, false for a floor.
   */
  record Figure(String key, String what, double value, String unit, Double goal, Boolean atMost) {
    @JsonProperty("met")
    Boolean met() {
      return goal == null || Double.isNaN(value) ? null : atMost ? value <= goal : value >= goal;
    }
  }

  record Report(Map<String, Object> machine, List<Figure> figures, Map<String, Object> raw) {}

  @Override
  public Integer call() throws Exception {
    if (!setups.isEmpty() && !Files.isDirectory(policy)) {
      throw new IllegalArgumentException("--policy " + policy + " is not a checkpoint directory: the cluster bench"
          + " runs campaigns from a trained policy (./perceval quickstart writes one)");
    }
    PrintStream log = System.out;
    long t0 = System.nanoTime();
    List<Figure> figures = new ArrayList<>();
    Map<String, Object> raw = new LinkedHashMap<>();
    Context sized = new Context(common.settings(Map.of("model.d-model", dModel)));

    log.printf(Locale.ROOT, "[1/4] sampling: d%d, batch %d x %d new tokens, with and without the KV cache;"
        + " batch %d with it%n", dModel, batch, newTokens, decodeBatch);
    VlmConfig shape = sized.settings.model().shape(sized.settings.world().imageSize(), 120);
    try (SamplingThroughput b = new SamplingThroughput(shape, sized.device, sized.settings.seed(), batch, newTokens)) {
      SamplingThroughput.Result r = b.measure(repeats, gemm);
      raw.put("sampling", r);
      figures.add(new Figure("sampling.cache_vs_no_cache", "decode tokens/s, KV cache / no cache", r.ratio(), "x",
          20.0, false));
      figures.add(new Figure("sampling.cached_tokens_per_s", "decode tokens/s with the KV cache",
          r.cachedTokensPerSecond(), "tokens/s", null, null));
    }
    try (SamplingThroughput b = new SamplingThroughput(shape, sized.device, sized.settings.seed(), decodeBatch,
        newTokens)) {
      SamplingThroughput.Result r = b.measure(1, gemm, false);
      // Without the uncached rate, which this run does not time (NaN is not JSON).
      raw.put("decode", Map.of("batch", decodeBatch, "cachedTokensPerSecond", r.cachedTokensPerSecond(),
          "decodeFlops", r.decodeFlops(), "gemmPeak", r.gemmPeak(), "gemm", r.gemm()));
      figures.add(new Figure("sampling.decode_share_of_peak", "cached decode FLOP/s / GEMM peak, batch "
          + decodeBatch, r.shareOfPeak(), "", null, null));
    }

    log.printf(Locale.ROOT, "[2/4] learner: d%d and d%d, batch %d x %d response tokens%n", dModel, smallDModel, batch,
        newTokens);
    for (int d : List.of(dModel, smallDModel)) {
      Context c = d == dModel ? sized : new Context(common.settings(Map.of("model.d-model", d)));
      Tokenizer tok = Tokenizer.of(c.world().vocabulary());
      VlmConfig s = c.settings.model().shape(c.settings.world().imageSize(), tok.size());
      try (LearnerThroughput b = new LearnerThroughput(s, c.world(), tok, c.settings.seed(), c.device, batch,
          newTokens)) {
        LearnerThroughput.Result r = b.measure(repeats, gemm);
        raw.put("learner_d" + d, r);
        figures.add(new Figure("learner.d" + d + ".share_of_peak", "learner step FLOP/s / GEMM peak, d" + d,
            r.ratio(), "", d == dModel ? 0.60 : null, d == dModel ? false : null));
      }
    }

    log.printf(Locale.ROOT, "[3/4] verify: batch %d against batch 1, one response per task and %d per task%n",
        batch, groupSize);
    var config = common.config(new LinkedHashMap<>()).getConfig("perceval");
    Context plain = new Context(Settings.from(config));
    for (int group : List.of(1, groupSize)) {
      try (VerifierThroughput b = new VerifierThroughput(PrmSettings.from(config), plain.world(),
          plain.settings.seed(), plain.device, batch, group)) {
        VerifierThroughput.Result r = b.measure(repeats + 1);
        String key = group == 1 ? "verify" : "verify_grouped";
        raw.put(key, r);
        figures.add(new Figure(key + ".batch_vs_single", "verifier responses/s, batch " + batch + " / batch 1, "
            + group + " per task", r.ratio(), "x", group == 1 ? 4.0 : null, group == 1 ? false : null));
      }
    }

    if (!setups.isEmpty()) {
      log.println("[4/4] cluster: one campaign per setup");
      ClusterBench cluster = new ClusterBench();
      cluster.common = common;
      cluster.policy = policy;
      cluster.verifier = verifier;
      cluster.steps = steps;
      cluster.setups = setups;
      cluster.out = out;
      cluster.basePort = 25700;
      cluster.idleSeconds = 5;
      cluster.nodeThreads = nodeThreads;
      Map<String, ClusterBench.Measured> runs = cluster.run(plain, log);
      ClusterBench.print(runs, log);
      raw.put("cluster", runs);
      CampaignTimings base = runs.get("in-process").timings();
      runs.forEach((name, m) -> {
        if (!name.equals("in-process")) {
          boolean one = name.equals("one-node");
          figures.add(new Figure("cluster." + name.replace('-', '_') + "_vs_in_process", name
              + " step / in-process step", m.timings().stepS() / base.stepS(), "x", one ? 1.05 : 1.25, true));
        }
      });
      ClusterBench.Measured one = runs.get("one-node");
      if (one != null) {
        figures.add(new Figure("cluster.one_node_sync_share", "one-node weight sync / its step",
            one.timings().syncS() / one.timings().stepS(), "", 0.05, true));
      }
      figures.add(new Figure("cluster.in_process_sync_share", "in-process weight sync / its step",
          base.syncS() / base.stepS(), "", null, null));
    } else {
      log.println("[4/4] cluster: skipped (--setups is empty)");
    }

    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("threads", plain.settings.effectiveThreads());
    machine.put("device", plain.device.toString());
    machine.put("arch", System.getProperty("os.arch"));
    machine.put("java", System.getProperty("java.version"));
    machine.put("seconds", (System.nanoTime() - t0) / 1e9);
    print(figures, log);
    Path parent = json.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), new Report(machine, figures, raw));
    log.printf(Locale.ROOT, "bench all: %.0f s; written %s%n", (double) machine.get("seconds"), json);
    return 0;
  }

  static void print(List<Figure> figures, PrintStream log) {
    log.printf(Locale.ROOT, "%n%-54s %10s %-9s %-9s %s%n", "figure", "value", "unit", "goal", "met");
    for (Figure f : figures) {
      String goal = f.goal() == null ? "-" : (f.atMost() ? "<= " : ">= ") + fmt(f.goal());
      Boolean met = f.met();
      log.printf(Locale.ROOT, "%-54s %10s %-9s %-9s %s%n", f.what(), fmt(f.value()), f.unit(), goal,
          met == null ? "" : met ? "yes" : "no");
    }
  }

  private static String fmt(double v) {
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3f", v);
  }
}
