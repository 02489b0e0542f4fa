package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.actors.CampaignState;
import dev.perceval.cluster.node.Node;
import dev.perceval.cluster.node.NodeConfig;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.train.SftRun;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.world.DatasetIo;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.prm.PrmSettings;
import dev.perceval.prm.Verifiers;
import dev.perceval.tts.LocalTtsPolicy;
import dev.perceval.tts.Strategies;
import dev.perceval.tts.TtsEval;
import dev.perceval.tts.TtsStrategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "One process, embedded defaults: prepare data, warm-start a policy, train the Perceval verifier,"
        + " answer held-out questions with Perceval TTS, run a short Perceval-GRPO campaign through the actor system"
        + " (all roles in this JVM), and write a summary.")
final class QuickstartCommand implements Callable<Integer> {
  /** Rounds of Perceval TTS per question, the largest k of the paper's table: about 20 s at this size. */
  private static final int TTS_K = 16;

  @Mixin CommonOptions common;

  @Option(names = "--out", defaultValue = "runs/quickstart", description = "Output directory.")
  Path out;

  @Option(names = "--steps", defaultValue = "700", description = "SFT steps (fewer than `perceval sft` by default).")
  int steps;

  @Option(names = "--prm-steps", defaultValue = "500", description = "Verifier training steps after its warm-up.")
  int prmSteps;

  @Option(names = "--grpo-steps", defaultValue = "20", description = "Steps of the GRPO campaign.")
  int grpoSteps;

  @Option(names = "--eval-n", defaultValue = "300", description = "Held-out tasks to evaluate.")
  int evalN;

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    Map<String, Object> extra = new HashMap<>();
    extra.put("sft.steps", steps);
    // The defaults of `sft` and `prm train` take 20 minutes together; the quickstart keeps each short.
    extra.put("prm.steps", prmSteps);
    extra.put("prm.perception-warmup", Math.max(1, prmSteps / 2));
    extra.put("prm.train-examples", 8000);
    var config = common.config(extra).getConfig("perceval");
    Context ctx = new Context(dev.perceval.policy.Settings.from(config));
    Files.createDirectories(out);
    System.out.println("[1/6] data: building the " + ctx.settings.world().name() + " world");
    World world = ctx.world();
    Path samples = out.resolve("samples");
    if (!Files.exists(samples)) {
      DatasetIo.export(Evaluator.tasks(world, Split.HELDOUT, ctx.settings.seed(), 16), samples);
    }
    System.out.println("      16 held-out sample tasks in " + samples);
    System.out.println("[2/6] sft: warm start (imperfect on purpose)");
    Path policy = out.resolve("policy-sft");
    List<Double> losses = SftRun.train(ctx.settings, world, policy, false, Long.MAX_VALUE, ctx.device,
        new ConsoleListener(System.out));
    Plots.line(out.resolve("sft-loss.png"), "SFT loss", "step", "loss per token", "train", losses);
    Evaluator.Result sft;
    ModelCheckpoint.Loaded ckpt = ModelCheckpoint.load(policy, "policy", ctx.device);
    try (var model = ckpt.model()) {
      sft = Workflows.evaluate(ckpt, world, Workflows.heldOut(world, ctx.settings, Split.HELDOUT, evalN),
          ctx.settings, world.name() + "/heldout", System.out);
    }
    System.out.println("[3/6] prm: the Perceval verifier: it learns to read the whole train pool, then to judge"
        + " made-up and sampled responses");
    Path prm = out.resolve("prm");
    PrmSettings prmSettings = PrmSettings.from(config);
    PrmWorkflows.train(ctx, prmSettings, world.name(), policy, prm, System.out);
    PrmWorkflows.evaluate(ctx, prmSettings, world.name(), prm, policy, 300, out.resolve("prm-eval.json"), System.out);
    System.out.printf(Locale.ROOT, "[4/6] tts: Perceval test-time scaling (truncate, k = %d) against one greedy"
        + " answer%n", TTS_K);
    Evaluator.Result tts = tts(ctx, world, policy, prm);
    System.out.printf(Locale.ROOT, "      held-out accuracy %.3f greedy, %.3f with Perceval TTS; responses judged wrong"
        + " %.3f -> %.3f%n", sft.accuracy(), tts.accuracy(), sft.hallucinationRate(), tts.hallucinationRate());
    System.out.println("[5/6] grpo: a Perceval-GRPO campaign through the actor system (every role in this JVM)");
    Map<String, Double> result = campaign(ctx, policy, prm);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("world", world.name());
    summary.put("sftSteps", ctx.settings.sft().steps());
    summary.put("sftHeldoutAccuracy", sft.accuracy());
    summary.put("sftPerceptionErrorRate", sft.perceptionErrorRate());
    summary.put("sftJudgedWrongRate", sft.hallucinationRate());
    summary.put("ttsStrategy", "truncate");
    summary.put("ttsK", TTS_K);
    summary.put("ttsHeldoutAccuracy", tts.accuracy());
    summary.put("ttsJudgedWrongRate", tts.hallucinationRate());
    summary.put("grpoSteps", grpoSteps);
    summary.put("grpoHeldoutAccuracy", result.get("eval/accuracy"));
    summary.put("grpoPerceptionErrorRate", result.get("eval/perception_error_rate"));
    summary.put("grpoFlaggedRate", result.get("eval/flagged_rate"));
    summary.put("seconds", (System.nanoTime() - t0) / 1e9);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("summary.json").toFile(), summary);
    System.out.printf(Locale.ROOT, "[6/6] summary: held-out accuracy %.3f after SFT, %.3f with Perceval TTS, %.3f"
            + " after %d GRPO steps; %.0f s in all; %s/{summary.json, sft-loss.png, prm-eval.json, grpo/}%n",
        sft.accuracy(), tts.accuracy(), result.getOrDefault("eval/accuracy", Double.NaN), grpoSteps,
        (System.nanoTime() - t0) / 1e9, out);
    return 0;
  }

  /** Truncate-then-regenerate with the new verifier on the held-out tasks the SFT policy was evaluated on. */
  private Evaluator.Result tts(Context ctx, World world, Path policy, Path prm) {
    ModelCheckpoint.Loaded p = ModelCheckpoint.load(policy, "policy", ctx.device);
    List<Task> tasks = Workflows.heldOut(world, ctx.settings, Split.HELDOUT, evalN);
    try (TinyVlm model = p.model();
        Verifiers.Opened verifier = Verifiers.open(prm.toString(), world, p.tokenizer(), ctx.device, 128)) {
      TtsStrategy.Tools tools = new TtsStrategy.Tools(new LocalTtsPolicy(model, p.tokenizer(),
          SamplingParams.sample(TtsEval.TEMPERATURE, 1f, ctx.settings.sampling().maxNewTokens()), 64),
          verifier.verifier(), p.tokenizer());
      return TtsEval.judge(world, p.tokenizer(), tasks,
          Strategies.get("truncate").run(tasks, TTS_K, ctx.settings.seed(), tools));
    }
  }

  /** Starts a node with every role on free ports, submits the campaign and follows it to the end. */
  private Map<String, Double> campaign(Context ctx, Path policy, Path prm) throws Exception {
    Path runs = out.resolve("grpo");
    String spec = "name = quickstart, seed = " + ctx.settings.seed() + ", policy = \"" + policy.toAbsolutePath()
        + "\", verifier = \"" + prm.toAbsolutePath() + "\", out = \"" + runs.toAbsolutePath() + "\", steps = "
        + grpoSteps + ", data.world = " + ctx.settings.world().name()
        + ", trainer { eval-n = " + Math.min(evalN, 200) + ", eval-every = 0, checkpoint-every = 0 }";
    Node node = Node.start(NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null,
        out.resolve("node"), 0, null, 0)), out), ctx.settings.cacheDir());
    try {
      CampaignState.Campaign c = EmbeddedCampaign.run(node, spec, "grpo", grpoSteps);
      GrpoWorkflow.report(System.out, c.step(), c.metrics().entrySet().stream()
          .filter(e -> e.getKey().startsWith("eval/"))
          .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a,
              LinkedHashMap::new)));
      GrpoWorkflow.plot(runs, "quickstart");
      return c.metrics();
    } finally {
      node.stop();
    }
  }
}
