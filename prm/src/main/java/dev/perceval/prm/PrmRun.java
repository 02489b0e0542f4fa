package dev.perceval.prm;

import ai.djl.Device;
import dev.perceval.policy.Rng;
import dev.perceval.policy.RunListener;
import dev.perceval.policy.Settings;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.Tensor;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.train.Reading;
import dev.perceval.policy.train.Schedule;
import dev.perceval.policy.train.SftRun;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.Worlds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Perceval verifier's training run, from a policy checkpoint to a verifier checkpoint: data
 * synthesis (corrupted gold, the policy's own samples labelled by the oracle, untouched gold), a
 * perception warm-up, seeded epochs over the examples, threshold calibration on train-split
 * validation examples, and the save. And its evaluation on held-out scenes.
 */
public final class PrmRun {
  /** Train-split examples, disjoint in seed from the training data, for choosing the threshold. */
  private static final int VALIDATION = 1000;

  private PrmRun() {}

  /** What training produced: the loss of every step and the threshold stored with the checkpoint. */
  public record Trained(List<Double> losses, float threshold) {}

  /**
   * An evaluation: the verifier's threshold; per set the segment-level counts and recall per
   * error type of the verifier judging each way and of two baselines (the verifier as stored on a
   * blank image, and flagging everything); and how well the verifier and the policy read the
   * held-out scenes.
   */
  public record Evaluation(String world, float threshold, Map<String, Map<String, PrmEval.Report>> sets,
      Reading.Result verifierReading, Reading.Result policyReading) {}

  /** The baseline rows of each set, after a row per judging (the checkpoint's own first). */
  public static final String BLANK_IMAGE = "blank image";
  public static final String FLAG_EVERYTHING = "flag everything";

  /** "by reading", with "(stored)" for the judging the checkpoint flags with. */
  private static String rowName(PercevalVerifier.Judging j, PercevalVerifier.Judging stored) {
    return "by " + j.name().toLowerCase(Locale.ROOT) + (j == stored ? " (stored)" : "");
  }

  /** @param s seed, sampling length and world settings; the world is drawn at the policy's size */
  public static Trained train(Settings s, PrmSettings prm, String worldName, Path policyDir, Path out, Device device,
      RunListener listener) {
    long seed = s.seed();
    ModelCheckpoint.Loaded policy = ModelCheckpoint.load(policyDir, "policy", device);
    Tokenizer tok = policy.tokenizer();
    World world;
    List<PrmExample> data;
    List<PrmExample> validation;
    Map<String, Tensor> policyWeights;
    VlmConfig policyShape;
    try (TinyVlm p = policy.model()) {
      policyWeights = p.export();
      policyShape = p.config();
      world = Worlds.create(worldName, s.worldConfig(p.config().imageSize()));
      policy.header().requireVocabulary(world);
      listener.note(String.format(Locale.ROOT, "prm data: %d train examples (mix corrupted %.2f / policy %.2f /"
          + " correct %.2f)", prm.trainExamples(), prm.mix().corrupted(), prm.mix().policy(), prm.mix().correct()));
      data = synthesize(s, prm, world, policy, Split.TRAIN, seed, prm.trainExamples(), prm.mix(), "sample", listener);
      validation = synthesize(s, prm, world, policy, Split.TRAIN, Rng.derive(seed, "prm-validation").nextLong(),
          VALIDATION, prm.mix(), "valid", listener);
    }
    Map<String, int[]> bySource = new LinkedHashMap<>();
    for (PrmExample e : data) {
      int[] c = bySource.computeIfAbsent(e.source(), k -> new int[2]);
      c[0]++;
      c[1] += e.truth().isEmpty() ? 0 : 1;
    }
    bySource.forEach((k, c) -> listener.note(String.format(Locale.ROOT, "  %-9s %6d examples, %5.1f%% with a wrong"
        + " claim", k, c[0], 100.0 * c[1] / c[0])));
    VlmConfig shape = prm.initFromPolicy() ? policyShape.withMode(VlmConfig.Mode.VERIFIER)
        : prm.shape(world.imageSize(), tok.size());
    List<Double> losses = new ArrayList<>();
    try (TinyVlm model = new TinyVlm(shape, device, Rng.derive(seed, "prm-init").nextLong());
        AdamW opt = new AdamW(model, prm.training().hyper())) {
      if (prm.initFromPolicy()) {
        policyWeights.remove("head.w");
        listener.note(String.format(Locale.ROOT, "prm train: %d parameter tensors initialised from the policy %s",
            model.loadMatching(policyWeights).size(), policyDir));
      }
      listener.note(String.format(Locale.ROOT, "prm train: %.2fM parameters (d%d x %d layers, stem %d), %d perception"
              + " warm-up steps, then %d steps x %d, %s loss", model.parameterCount() / 1e6, shape.dModel(),
          shape.layers(), shape.stemChannels(), prm.perceptionWarmup(), prm.training().steps(),
          prm.training().batchSize(), prm.loss().name().toLowerCase(Locale.ROOT)));
      PrmTrainer trainer = new PrmTrainer(model, opt, prm.training().schedule(), tok, world, prm.loss(),
          prm.posWeight(), prm.training().perceptionWeight());
      long t0 = System.nanoTime();
      warmUp(trainer, prm, world, seed, listener);
      fit(trainer, prm, data, seed, losses, listener);
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("world", world.name());
      meta.put("judging", prm.judging().name().toLowerCase(Locale.ROOT));
      float threshold = prm.threshold();
      for (PercevalVerifier.Judging j : PercevalVerifier.Judging.values()) {
        float t = prm.threshold();
        if (prm.calibrate()) {
          t = PrmEval.calibratedThreshold(new PercevalVerifier(model, tok, world, t, 128, j), validation,
              prm.minPrecision());
          listener.note(String.format(Locale.ROOT, "prm train: judged by %s, threshold %.2f (calibrated on %d"
              + " train-split validation examples)", j.name().toLowerCase(Locale.ROOT), t, validation.size()));
        }
        meta.put(Verifiers.thresholdKey(j), Float.toString(t));
        threshold = j == prm.judging() ? t : threshold;
      }
      meta.put("threshold", Float.toString(threshold));
      meta.put("policy", policyDir.toAbsolutePath().toString());
      ModelCheckpoint.save(out, "verifier", model, tok, opt, prm.training().steps(), Map.of("seed", seed), meta);
      listener.note(String.format(Locale.ROOT, "prm train: done in %.0f s, final loss %.4f; checkpoint %s",
          (System.nanoTime() - t0) / 1e9, losses.get(losses.size() - 1), out));
      return new Trained(losses, threshold);
    }
  }

  /** Perception-head steps on scenes alone, before the verifier sees any claim. */
  private static void warmUp(PrmTrainer trainer, PrmSettings prm, World world, long seed, RunListener listener) {
    if (prm.perceptionWarmup() == 0) {
      return;
    }
    Schedule warm = new Schedule(prm.training().lr(), prm.training().warmup(), prm.perceptionWarmup(),
        prm.training().minLrRatio());
    long warmSeed = Rng.derive(seed, "prm-perception").nextLong();
    int b = prm.training().batchSize();
    try (RunListener.Phase phase = listener.phase("read", prm.perceptionWarmup())) {
      for (int step = 0; step < prm.perceptionWarmup(); step++) {
        PrmTrainer.StepResult r = trainer.perceptionStep(warm.at(step), SftRun.batch(world, Split.TRAIN, warmSeed, step, b));
        phase.advance(1, String.format(Locale.ROOT, "perception loss %.4f", r.loss()));
      }
    }
  }

  /** The training steps: batches walk the examples in a fresh seeded order each epoch. */
  private static void fit(PrmTrainer trainer, PrmSettings prm, List<PrmExample> data, long seed, List<Double> losses,
      RunListener listener) {
    int b = prm.training().batchSize();
    int[] order = new int[data.size()];
    try (RunListener.Phase phase = listener.phase("prm", prm.training().steps())) {
      for (int step = 0; step < prm.training().steps(); step++) {
        List<PrmExample> batch = new ArrayList<>(b);
        for (int j = 0; j < b; j++) {
          long k = (long) step * b + j;
          int pos = (int) (k % data.size());
          if (pos == 0) {
            for (int i = 0; i < order.length; i++) {
              order[i] = i;
            }
            Rng.derive(seed, "prm-epoch", k / data.size()).shuffle(order);
          }
          batch.add(data.get(order[pos]));
        }
        PrmTrainer.StepResult r = trainer.step(step, batch);
        losses.add(r.loss());
        phase.advance(1, String.format(Locale.ROOT, "loss %.4f", r.loss()));
      }
    }
  }

  /**
   * The verifier at {@code prmDir} on {@code n} held-out corrupted-gold examples and {@code n}
   * of the policy's own samples, each judged against the oracle.
   */
  public static Evaluation evaluate(Settings s, PrmSettings prm, String worldName, Path prmDir, Path policyDir,
      int n, Device device, RunListener listener) {
    World world = Worlds.create(worldName, s.worldConfig(ModelCheckpoint.header(prmDir, "verifier").imageSize()));
    ModelCheckpoint.Loaded policy = ModelCheckpoint.load(policyDir, "policy", device);
    try (TinyVlm p = policy.model();
        Verifiers.Opened opened = Verifiers.open(prmDir.toString(), world, policy.tokenizer(), device, 128)) {
      long seed = s.seed();
      Map<String, List<PrmExample>> sets = new LinkedHashMap<>();
      sets.put("corrupted gold", synthesize(s, prm, world, policy, Split.HELDOUT, seed, n,
          new PrmData.Mix(1, 0, 0, prm.mix().maxCorruptions()), "corrupt", listener));
      sets.put("policy samples", synthesize(s, prm, world, policy, Split.HELDOUT, seed + 1, n,
          new PrmData.Mix(0, 1, 0, 1), "sample", listener));
      Tokenizer tok = policy.tokenizer();
      PercevalVerifier verifier = (PercevalVerifier) opened.verifier();
      Map<String, String> meta = ModelCheckpoint.header(prmDir, "verifier").meta();
      Map<String, Verifier> rows = new LinkedHashMap<>();
      for (PercevalVerifier.Judging j : PercevalVerifier.Judging.values()) {
        rows.put(rowName(j, verifier.judging()), Verifiers.stored(meta, verifier.model(), tok, world, 128, j));
      }
      rows.put(BLANK_IMAGE, PrmEval.blankImage(verifier));
      rows.put(FLAG_EVERYTHING, PrmEval.flagEverything(world, tok));
      Map<String, Map<String, PrmEval.Report>> reports = new LinkedHashMap<>();
      sets.forEach((name, examples) -> {
        Map<String, PrmEval.Report> set = new LinkedHashMap<>();
        rows.forEach((row, v) -> set.put(row, PrmEval.evaluate(v, world, tok, examples)));
        reports.put(name, set);
      });
      List<Task> scenes = Evaluator.tasks(world, Split.HELDOUT, seed + 2, n);
      Reading.Result verifierReading = Reading.fromHead(verifier.model(), tok, world, scenes, 64);
      Evaluator.Result greedy;
      try (RunListener.Phase phase = listener.phase("read", scenes.size())) {
        greedy = Evaluator.evaluate(p, tok, world, scenes, 64, s.sampling().maxNewTokens(), k -> phase.advance(k, null));
      }
      Reading.Result policyReading = Reading.fromClaims(world, scenes,
          greedy.responses().stream().map(r -> List.of(r.split(" "))).toList());
      return new Evaluation(world.name(), verifier.threshold(), reports, verifierReading, policyReading);
    }
  }

  /** Examples of one mix from a split, sampling policy responses where the mix asks for them. */
  private static List<PrmExample> synthesize(Settings s, PrmSettings prm, World world, ModelCheckpoint.Loaded policy,
      Split split, long seed, int n, PrmData.Mix mix, String label, RunListener listener) {
    SamplingParams params = SamplingParams.sample(prm.policyTemperature(), 1f, s.sampling().maxNewTokens());
    long sampled = Math.round(n * mix.policy() / (mix.corrupted() + mix.policy() + mix.correct()));
    try (RunListener.Phase phase = listener.phase(label, Math.max(1, sampled))) {
      PolicyResponses source = new PolicyResponses(policy.model(), policy.tokenizer(), params, 256,
          k -> phase.advance(k, null));
      return new PrmData(world, policy.tokenizer()).synthesize(split, seed, 0, n, mix, source);
    }
  }
}
