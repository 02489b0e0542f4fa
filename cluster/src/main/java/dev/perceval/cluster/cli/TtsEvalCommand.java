package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.prm.Verifiers;
import dev.perceval.tts.LocalTtsPolicy;
import dev.perceval.tts.Strategies;
import dev.perceval.tts.TtsEval;
import dev.perceval.tts.TtsStrategy;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "tts-eval", mixinStandardHelpOptions = true,
    description = "Test-time scaling strategies on held-out tasks: accuracy and budget (generated tokens, policy"
        + " and PRM calls) per strategy and k, as a table, JSON and PNG.")
final class TtsEvalCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(names = "--policy", defaultValue = "runs/quickstart/policy-sft") Path policy;

  @Option(names = "--verifier", defaultValue = "runs/quickstart/prm",
      description = "Perceval checkpoint, or 'oracle' (the scene-truth checker: an upper bound on generated tasks).")
  String verifier;

  @Option(names = "--world", description = "World to draw tasks from (default: the policy's).") String world;

  @Option(names = "--split", defaultValue = "heldout") String split;

  @Option(names = "--n", defaultValue = "500") int n;

  @Option(names = "--k", split = ",", defaultValue = "4,8,16") List<Integer> ks;

  @Option(names = "--strategies", split = ",", description = "Default: every registered strategy the policy can run.")
  List<String> strategies;

  @Option(names = "--temperature", defaultValue = "" + TtsEval.TEMPERATURE,
      description = "Sampling temperature of the strategies (docs/results.md: at 1.0 they fall below greedy).")
  float temperature;

  @Option(names = "--top-p", defaultValue = "1.0") float topP;

  @Option(names = "--max-new-tokens", defaultValue = "64") int maxNewTokens;

  @Option(names = "--out", defaultValue = "runs/tts-eval") Path out;

  @Override
  public Integer call() throws Exception {
    for (int k : ks) {
      if (k < 1 || k > 64) {
        throw new IllegalArgumentException("--k values must be in 1..64, got " + k);
      }
    }
    Context ctx = new Context(common.settings(new HashMap<>()));
    Files.createDirectories(out);
    Map<String, Object> report = new LinkedHashMap<>();
    Map<String, List<double[]>> accuracy = new LinkedHashMap<>();
    Map<String, List<double[]>> tokens = new LinkedHashMap<>();
    for (TtsEval.Row row : compare(ctx, policy, verifier, world, Split.parse(split), n, ks, strategies,
        SamplingParams.sample(temperature, topP, maxNewTokens), System.out)) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("accuracy", row.accuracy());
      json.put("generatedTokens", row.generatedTokens());
      json.put("policyCalls", row.policyCalls());
      json.put("prmCalls", row.prmCalls());
      json.put("seconds", row.seconds());
      report.put(row.strategy() + "@" + row.k(), json);
      accuracy.computeIfAbsent(row.strategy(), x -> new ArrayList<>()).add(new double[] {row.k(), row.accuracy()});
      tokens.computeIfAbsent(row.strategy(), x -> new ArrayList<>()).add(new double[] {row.k(), row.generatedTokens()});
    }
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("tts-eval.json").toFile(), report);
    Plots.lines(out.resolve("tts-accuracy.png"), "Held-out accuracy by strategy", "k", "accuracy", accuracy);
    Plots.lines(out.resolve("tts-tokens.png"), "Generated tokens per question", "k", "tokens", tokens);
    System.out.println("written " + out.resolve("tts-eval.json") + ", tts-accuracy.png, tts-tokens.png");
    return 0;
  }

  /**
   * Greedy and single-sample baselines, then every strategy (default: those the policy can run)
   * at every k, on {@code n} tasks of {@code split}, each row printed as it finishes.
   */
  static List<TtsEval.Row> compare(Context ctx, Path policy, String verifier, String world, Split split, int n,
      List<Integer> ks, List<String> strategies, SamplingParams sampling, PrintStream log) {
    ModelCheckpoint.Loaded p = ModelCheckpoint.load(policy, "policy", ctx.device);
    List<String> names = strategies;
    if (names == null) {
      TtsEval.Selection selection = TtsEval.runnable(p.tokenizer());
      selection.skipped().forEach((s, missing) -> log.println(s
          + ": skipped, the policy's vocabulary lacks words it writes: " + String.join(" ", missing)));
      names = selection.runnable();
    }
    names.forEach(Strategies::get);
    World w = ctx.world(world != null ? world : p.header().world(), p.header().imageSize());
    try (TinyVlm pm = p.model(); Verifiers.Opened v = Verifiers.open(verifier, w, p.tokenizer(), ctx.device, 128)) {
      List<Task> tasks = Workflows.heldOut(w, ctx.settings, split, n);
      TtsStrategy.Tools tools = new TtsStrategy.Tools(new LocalTtsPolicy(pm, p.tokenizer(), sampling, 64),
          v.verifier(), p.tokenizer());
      TtsStrategy.Tools greedy = new TtsStrategy.Tools(
          new LocalTtsPolicy(pm, p.tokenizer(), SamplingParams.greedy(sampling.maxNewTokens()), 64), null,
          p.tokenizer());
      log.printf(Locale.ROOT, "tts-eval %s/%s, n=%d, verifier %s, temperature %.2f, top-p %.2f, seed %d%n",
          w.name(), split.name().toLowerCase(Locale.ROOT), tasks.size(), verifier, sampling.temperature(),
          sampling.topP(), ctx.settings.seed());
      log.printf(Locale.ROOT, "  %-18s %4s %9s %13s %13s %10s %8s%n", "strategy", "k", "accuracy",
          "gen tokens/q", "policy seq/q", "prm/q", "seconds");
      Consumer<TtsEval.Row> print = row -> log.printf(Locale.ROOT, "  %-18s %4d %9.3f %13.1f %13.2f %10.2f %8.1f%n",
          row.strategy(), row.k(), row.accuracy(), row.generatedTokens(), row.policyCalls(), row.prmCalls(),
          row.seconds());
      List<TtsEval.Row> rows = new ArrayList<>(TtsEval.baselines(tasks, ctx.settings.seed(), greedy, tools, print));
      rows.addAll(TtsEval.run(names, ks, tasks, ctx.settings.seed(), tools, print));
      return rows;
    }
  }
}
