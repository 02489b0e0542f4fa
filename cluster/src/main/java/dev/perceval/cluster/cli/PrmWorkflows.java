package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.policy.Rng;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Schedule;
import dev.perceval.policy.train.SftRun;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.World;
import dev.perceval.prm.PercevalVerifier;
import dev.perceval.prm.PolicyResponses;
import dev.perceval.prm.PrmData;
import dev.perceval.prm.PrmEval;
import dev.perceval.prm.PrmExample;
import dev.perceval.prm.PrmSettings;
import dev.perceval.prm.PrmTrainer;
import dev.perceval.prm.Verifiers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/** Training and evaluation of the Perceval verifier from the command line. */
final class PrmWorkflows {
  /** Train-split examples, disjoint in seed from the training data, for choosing the threshold. */
  private static final int VALIDATION = 1000;

  private PrmWorkflows() {}

  /** Examples of one mix from a split, sampling policy responses where the mix asks for them. */
  static List<PrmExample> synthesize(Context ctx, PrmSettings prm, World world, ModelCheckpoint.Loaded policy,
      Split split, long seed, int n, PrmData.Mix mix, String label) {
    SamplingParams params = SamplingParams.sample(prm.policyTemperature(), 1f, ctx.settings.sampling().maxNewTokens());
    long sampled = Math.round(n * mix.policy() / (mix.corrupted() + mix.policy() + mix.correct()));
    try (ProgressBar bar = Progress.bar(label, Math.max(1, sampled))) {
      PolicyResponses source = new PolicyResponses(policy.model(), policy.tokenizer(), params, 256, bar::stepBy);
      return new PrmData(world, policy.tokenizer()).synthesize(split, seed, 0, n, mix, source);
    }
  }

  static void train(Context ctx, PrmSettings prm, World world, Path policyDir, Path out, PrintStream log)
      throws IOException {
    long seed = ctx.settings.seed();
    Tokenizer tok;
    List<PrmExample> data;
    List<PrmExample> validation;
    Map<String, float[]> policyWeights;
    dev.perceval.policy.model.VlmConfig policyShape;
    ModelCheckpoint.Loaded policy = ModelCheckpoint.load(policyDir, "policy", ctx.device);
    try (TinyVlm p = policy.model()) {
      policyWeights = p.export();
      policyShape = p.config();
      tok = policy.tokenizer();
      policy.header().requireVocabulary(world);
      world = ctx.world(world.name(), p.config().imageSize());
      log.printf(Locale.ROOT, "prm data: %d train examples (mix corrupted %.2f / policy %.2f / correct %.2f)%n",
          prm.trainExamples(), prm.mix().corrupted(), prm.mix().policy(), prm.mix().correct());
      data = synthesize(ctx, prm, world, policy, Split.TRAIN, seed, prm.trainExamples(), prm.mix(), "sample");
      validation = synthesize(ctx, prm, world, policy, Split.TRAIN, Rng.derive(seed, "prm-validation").nextLong(),
          VALIDATION, prm.mix(), "valid");
    }
    Map<String, int[]> bySource = new LinkedHashMap<>();
    for (PrmExample e : data) {
      int[] c = bySource.computeIfAbsent(e.source(), k -> new int[2]);
      c[0]++;
      c[1] += e.truth().isEmpty() ? 0 : 1;
    }
    bySource.forEach((k, c) -> log.printf(Locale.ROOT, "  %-9s %6d examples, %5.1f%% with a wrong claim%n",
        k, c[0], 100.0 * c[1] / c[0]));
    List<Double> losses = new ArrayList<>();
    var shape = prm.initFromPolicy() ? policyShape.withMode(dev.perceval.policy.model.VlmConfig.Mode.VERIFIER)
        : prm.shape(world.imageSize(), tok.size());
    try (TinyVlm model = new TinyVlm(shape, ctx.device, Rng.derive(seed, "prm-init").nextLong());
        AdamW opt = new AdamW(model, prm.training().hyper())) {
      if (prm.initFromPolicy()) {
        policyWeights.remove("head.w");
        log.printf(Locale.ROOT, "prm train: %d parameter tensors initialised from the policy %s%n",
            model.loadMatching(policyWeights).size(), policyDir);
      }
      log.printf(Locale.ROOT, "prm train: %.2fM parameters (d%d x %d layers, stem %d), %d perception warm-up"
              + " steps, then %d steps x %d, %s loss%n", model.parameterCount() / 1e6, shape.dModel(), shape.layers(),
          shape.stemChannels(), prm.perceptionWarmup(), prm.training().steps(), prm.training().batchSize(),
          prm.loss().name().toLowerCase());
      PrmTrainer trainer = new PrmTrainer(model, opt, prm.training().schedule(), tok, world, prm.loss(),
          prm.posWeight(), prm.training().perceptionWeight());
      int b = prm.training().batchSize();
      long t0 = System.nanoTime();
      if (prm.perceptionWarmup() > 0) {
        Schedule warm = new Schedule(prm.training().lr(), prm.training().warmup(), prm.perceptionWarmup(),
            prm.training().minLrRatio());
        long warmSeed = Rng.derive(seed, "prm-perception").nextLong();
        try (ProgressBar bar = Progress.bar("read", prm.perceptionWarmup())) {
          for (int step = 0; step < prm.perceptionWarmup(); step++) {
            PrmTrainer.StepResult r = trainer.perceptionStep(warm.at(step), SftRun.batch(world, warmSeed, step, b));
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, " perception loss %.4f", r.loss()));
          }
        }
      }
      int[] order = new int[data.size()];
      try (ProgressBar bar = Progress.bar("prm", prm.training().steps())) {
        for (int step = 0; step < prm.training().steps(); step++) {
          List<PrmExample> batch = new ArrayList<>(b);
          for (int j = 0; j < b; j++) {
            long k = (long) step * b + j;
            int pos = (int) (k % data.size());
            if (pos == 0) {
              // A new epoch: a fresh seeded order over the examples.
              for (int i = 0; i < order.length; i++) {
                order[i] = i;
              }
              Rng.derive(seed, "prm-epoch", k / data.size()).shuffle(order);
            }
            batch.add(data.get(order[pos]));
          }
          PrmTrainer.StepResult r = trainer.step(step, batch);
          losses.add(r.loss());
          bar.step();
          bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", r.loss()));
        }
      }
      float threshold = prm.threshold();
      if (prm.calibrate()) {
        threshold = PrmEval.bestThreshold(new PercevalVerifier(model, tok, world, threshold, 128), validation);
        log.printf(Locale.ROOT, "prm train: threshold %.2f (best claim F1 on %d train-split validation examples)%n",
            threshold, validation.size());
      }
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("world", world.name());
      meta.put("threshold", Float.toString(threshold));
      meta.put("policy", policyDir.toAbsolutePath().toString());
      ModelCheckpoint.save(out, "verifier", model, tok, opt, prm.training().steps(), Map.of("seed", seed), meta);
      log.printf(Locale.ROOT, "prm train: done in %.0f s, final loss %.4f; checkpoint %s%n",
          (System.nanoTime() - t0) / 1e9, losses.get(losses.size() - 1), out);
    }
    Plots.line(out.resolveSibling(out.getFileName() + "-loss.png"), "Perceval verifier loss", "step",
        "weighted BCE per token", "train", losses);
  }

  static void evaluate(Context ctx, PrmSettings prm, World world, Path prmDir, Path policyDir, int n, Path json,
      PrintStream out) throws IOException {
    world = ctx.world(world.name(), ModelCheckpoint.header(prmDir, "verifier").imageSize());
    ModelCheckpoint.Loaded policy = ModelCheckpoint.load(policyDir, "policy", ctx.device);
    try (TinyVlm p = policy.model();
        Verifiers.Opened opened = Verifiers.open(prmDir.toString(), world, policy.tokenizer(), ctx.device, 128)) {
      PercevalVerifier perceval = (PercevalVerifier) opened.verifier();
      float threshold = perceval.threshold();
      long seed = ctx.settings.seed();
      Map<String, List<PrmExample>> sets = new LinkedHashMap<>();
      sets.put("corrupted gold", synthesize(ctx, prm, world, policy, Split.HELDOUT, seed, n,
          new PrmData.Mix(1, 0, 0, prm.mix().maxCorruptions()), "corrupt"));
      sets.put("policy samples", synthesize(ctx, prm, world, policy, Split.HELDOUT, seed + 1, n,
          new PrmData.Mix(0, 1, 0, 1), "sample"));
      out.printf(Locale.ROOT, "prm eval %s/heldout, threshold %.2f%n", world.name(), threshold);
      out.printf(Locale.ROOT, "  %-22s %7s %6s %9s %7s %6s %9s%n", "set", "claims", "wrong", "precision", "recall", "f1", "span-iou");
      Map<String, Object> report = new LinkedHashMap<>();
      for (Map.Entry<String, List<PrmExample>> e : sets.entrySet()) {
        PrmEval.Report r = PrmEval.evaluate(perceval, world, policy.tokenizer(), e.getValue());
        PrmEval.Counts c = r.overall();
        out.printf(Locale.ROOT, "  %-22s %7d %6d %9.3f %7.3f %6.3f %9.3f%n", e.getKey(), c.claims(), c.tp() + c.fn(),
            c.precision(), c.recall(), c.f1(), c.spanIou());
        Map<String, Object> types = new LinkedHashMap<>();
        r.byErrorType().forEach((type, tc) -> {
          out.printf(Locale.ROOT, "    %-20s %7s %6d %9s %7.3f%n", type, "", tc.tp() + tc.fn(), "", tc.recall());
          types.put(type, Map.of("wrong", tc.tp() + tc.fn(), "recall", tc.recall()));
        });
        report.put(e.getKey(), Map.of("claims", c.claims(), "wrong", c.tp() + c.fn(), "precision", c.precision(),
            "recall", c.recall(), "f1", c.f1(), "spanIou", c.spanIou(), "byErrorType", types));
      }
      if (json != null) {
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), Map.of(
            "world", world.name(), "threshold", threshold, "sets", report));
      }
    }
  }
}
