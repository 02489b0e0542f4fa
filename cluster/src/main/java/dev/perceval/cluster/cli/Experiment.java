package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.perceval.policy.Settings;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.io.Checkpoint;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.io.StepCheckpoints;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.train.SftRun;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.Worlds;
import dev.perceval.prm.PrmSettings;
import dev.perceval.prm.Verifiers;
import dev.perceval.tts.TtsEval;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The paper's experiments end to end, each stage skipped when its output is already there so a
 * stopped run goes on where it stopped: SFT warm start, the Perceval verifier and its evaluation,
 * test-time scaling, then per seed outcome-only GRPO, Perceval-GRPO and Perceval-GRPO with the
 * oracle verifier, and an alpha sweep on the first seed, each campaign evaluated per question
 * family at its end. SFT, the verifier and TTS take the first seed; every campaign takes its own.
 */
final class Experiment {
  /** The arms of Table 1, in the order they are run and printed. */
  static final List<String> ARMS = List.of("outcome", "perceval", "oracle");

  /** What a preset fixes: the settings of every stage, the seeds, and the sizes of each stage. */
  record Preset(String name, Map<String, Object> settings, Map<String, Object> sftSettings, List<Long> seeds,
      int prmEvalN, int ttsN, List<Integer> ttsK, float ttsTemperature, int evalN, double alpha,
      List<Double> alphas, Config campaign) {

    /** A preset by name ({@code paper}, {@code smoke}) or from a file; {@code seeds} replaces its list. */
    static Preset load(String nameOrFile, List<Long> seeds) {
      Config c;
      Path file = Path.of(nameOrFile);
      if (Files.isRegularFile(file)) {
        c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
      } else if (nameOrFile.matches("[a-z]+")
          && Experiment.class.getResource("/experiment/" + nameOrFile + ".conf") != null) {
        c = ConfigFactory.parseResources("experiment/" + nameOrFile + ".conf");
      } else {
        throw new IllegalArgumentException("unknown preset '" + nameOrFile + "': use paper, smoke or a file");
      }
      c = c.resolve();
      Config e = c.getConfig("experiment");
      List<Long> s = seeds == null || seeds.isEmpty() ? e.getLongList("seeds") : seeds;
      if (s.isEmpty() || s.stream().distinct().count() != s.size()) {
        throw new IllegalArgumentException("seeds must be distinct and at least one, got " + s);
      }
      return new Preset(file.getFileName().toString().replace(".conf", ""),
          flat(c.hasPath("perceval") ? c.getConfig("perceval") : ConfigFactory.empty()), flat(e.getConfig("sft")),
          List.copyOf(s), e.getInt("prm-eval-n"), e.getInt("tts.n"), e.getIntList("tts.k"),
          (float) e.getDouble("tts.temperature"), e.getInt("eval-n"), e.getDouble("alpha"),
          e.getDoubleList("alphas"), e.getConfig("campaign"));
    }

    private static Map<String, Object> flat(Config c) {
      Map<String, Object> m = new LinkedHashMap<>();
      c.entrySet().forEach(en -> m.put(en.getKey(), en.getValue().unwrapped()));
      return m;
    }

    /** Every campaign of the preset: the arms for each seed, then the alpha sweep on the first. */
    List<Run> runs() {
      List<Run> runs = new ArrayList<>();
      for (long seed : seeds) {
        runs.add(new Run("outcome", seed, 0.0));
        runs.add(new Run("perceval", seed, alpha));
        runs.add(new Run("oracle", seed, alpha));
      }
      for (double a : alphas) {
        if (a != alpha) {
          runs.add(new Run("perceval", seeds.get(0), a));
        }
      }
      return runs;
    }
  }

  /** One campaign: its arm, seed and penalty weight. */
  record Run(String arm, long seed, double alpha) {
    String id(Preset p) {
      return arm + (arm.equals("perceval") && alpha != p.alpha() ? "-alpha" + alpha : "") + "-seed" + seed;
    }

    /** Whether this is one of Table 1's arms (outcome-only, or the preset's alpha), not the sweep. */
    boolean main(Preset p) {
      return alpha == (arm.equals("outcome") ? 0 : p.alpha());
    }
  }

  private final Preset preset;
  private final Path work;
  private final PrintStream log;
  private final Map<String, Object> userSettings;
  private final ObjectMapper json = new ObjectMapper();

  /** @param userSettings --set overrides, applied over the preset's settings */
  Experiment(Preset preset, Path work, Map<String, Object> userSettings, PrintStream log) {
    this.preset = preset;
    this.work = work;
    this.userSettings = userSettings;
    this.log = log;
  }

  Path work() {
    return work;
  }

  Preset preset() {
    return preset;
  }

  Config config(Map<String, Object> stage) {
    Map<String, Object> all = new LinkedHashMap<>(preset.settings());
    all.putAll(stage);
    all.putAll(userSettings);
    all.put("seed", preset.seeds().get(0));
    return Settings.loadConfig(null, all);
  }

  /** Runs every stage not done yet, then writes the report from what the stages left. */
  void run(Path report) throws IOException {
    Files.createDirectories(work);
    Config base = config(Map.of());
    Context ctx = new Context(Settings.from(base.getConfig("perceval")));
    World world = ctx.world();
    Path policy = work.resolve("policy-sft");
    Path prm = work.resolve("prm");
    stage("sft", () -> {
      Settings sft = Settings.from(config(preset.sftSettings()).getConfig("perceval"));
      boolean partial = Files.exists(policy.resolve(Checkpoint.MANIFEST));
      if (!partial || ModelCheckpoint.header(policy, "policy").step() < sft.sft().steps()) {
        // The traces' world as the SFT settings draw it (e.g. fewer objects), not the campaigns'.
        World traces = Worlds.create(sft.world().name(), sft.worldConfig(sft.world().imageSize()));
        SftRun.train(sft, traces, policy, partial, Long.MAX_VALUE, ctx.device, new ConsoleListener(log));
      }
      evaluate(ctx, world, policy, work.resolve("eval-sft.json"));
    }, work.resolve("eval-sft.json"));
    PrmSettings prmSettings = PrmSettings.from(base.getConfig("perceval"));
    stage("verifier", () -> PrmWorkflows.train(ctx, prmSettings, world.name(), policy, prm, log),
        prm.resolve(Checkpoint.MANIFEST));
    stage("verifier eval", () -> PrmWorkflows.evaluate(ctx, prmSettings, world.name(), prm, policy,
        preset.prmEvalN(), work.resolve("prm-eval.json"), log), work.resolve("prm-eval.json"));
    stage("tts", () -> {
      List<TtsEval.Row> rows = TtsEvalCommand.compare(ctx, policy, prm.toString(), world.name(), Split.HELDOUT,
          preset.ttsN(), preset.ttsK(), null, SamplingParams.sample(preset.ttsTemperature(), 1f,
              ctx.settings.sampling().maxNewTokens()), log);
      json.writerWithDefaultPrettyPrinter().writeValue(work.resolve("tts.json").toFile(), rows);
    }, work.resolve("tts.json"));
    for (Run r : preset.runs()) {
      Path out = work.resolve("grpo").resolve(r.id(preset));
      stage("grpo " + r.id(preset), () -> {
        campaign(ctx, r, policy, prm, out);
        evaluate(ctx, world, new StepCheckpoints(out.resolve("checkpoints")).latest(), out.resolve("eval-final.json"));
      }, out.resolve("eval-final.json"));
    }
    List<String> families = ctx.settings.world().families().isEmpty() ? world.families()
        : ctx.settings.world().families();
    ExperimentReport.write(this, families, report, log);
  }

  private interface Stage {
    void run() throws IOException;
  }

  /** Runs a stage unless its last output exists; its minutes go to stages.json for the report. */
  private void stage(String name, Stage body, Path done) throws IOException {
    if (Files.exists(done)) {
      log.println("experiment: " + name + " done already (" + work.relativize(done) + ")");
      return;
    }
    log.println("experiment: " + name);
    long t0 = System.nanoTime();
    body.run();
    Path times = work.resolve("stages.json");
    @SuppressWarnings("unchecked")
    Map<String, Object> m = Files.exists(times) ? json.readValue(times.toFile(), LinkedHashMap.class)
        : new LinkedHashMap<>();
    m.put(name, (System.nanoTime() - t0) / 60e9);
    json.writerWithDefaultPrettyPrinter().writeValue(times.toFile(), m);
  }

  private void campaign(Context ctx, Run r, Path policy, Path prm, Path out) throws IOException {
    Config c = preset.campaign()
        .withValue("name", ConfigValueFactory.fromAnyRef(r.id(preset)))
        .withValue("seed", ConfigValueFactory.fromAnyRef(r.seed()))
        .withValue("policy", ConfigValueFactory.fromAnyRef(policy.toAbsolutePath().toString()))
        .withValue("verifier", ConfigValueFactory.fromAnyRef(
            r.arm().equals("oracle") ? Verifiers.ORACLE : prm.toAbsolutePath().toString()))
        .withValue("out", ConfigValueFactory.fromAnyRef(out.toAbsolutePath().toString()))
        .withValue("algorithm.alpha", ConfigValueFactory.fromAnyRef(r.alpha()));
    CampaignSpec spec = CampaignSpec.parse(c.root().render(ConfigRenderOptions.concise()));
    Path latest = new StepCheckpoints(out.resolve("checkpoints")).latest();
    GrpoWorkflow.run(ctx, spec, latest != null, log);
  }

  /** Greedy held-out evaluation of a checkpoint on the preset's tasks, per question family, as JSON. */
  private void evaluate(Context ctx, World world, Path ckpt, Path out) throws IOException {
    ModelCheckpoint.Loaded c = ModelCheckpoint.load(ckpt, "policy", ctx.device);
    Evaluator.Result r;
    try (var model = c.model()) {
      r = Workflows.evaluate(c, world, Workflows.heldOut(world, ctx.settings, Split.HELDOUT, preset.evalN()),
          ctx.settings, world.name() + "/heldout", log);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", r.n());
    m.put("accuracy", r.accuracy());
    m.put("judgedWrong", r.hallucinationRate());
    m.put("claimsWrong", r.perceptionErrorRate());
    Map<String, Double> fam = new LinkedHashMap<>();
    r.perFamily().forEach((f, n) -> fam.put(f, n[0] == 0 ? 0.0 : n[1] / (double) n[0]));
    m.put("perFamily", fam);
    json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), m);
    log.printf(Locale.ROOT, "experiment: %s accuracy %.3f%n", work.relativize(out), r.accuracy());
  }
}
