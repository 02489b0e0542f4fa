package dev.perceval.policy.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.perceval.policy.io.StepCheckpoints;
import dev.perceval.policy.model.Tensor;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.sampling.LogProbs;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpoLoopTest {
  static World world;
  static Tokenizer tok;
  static VlmConfig shape;

  @TempDir Path dir;

  @BeforeAll
  static void setUp() {
    Torch.init();
    world = Worlds.create("shapes", WorldConfig.defaults().withImageSize(16));
    tok = Tokenizer.of(world.vocabulary());
    shape = new VlmConfig(16, 4, 0, 32, 2, 2, tok.size(), 64, VlmConfig.Mode.POLICY);
  }

  private CampaignSpec spec(String extra) {
    return CampaignSpec.parse("policy = \"unused\", verifier = \"scripted\", data.world = shapes, steps = 3,"
        + " prompts-per-step = 2, group-size = 4, rollout.max-new-tokens = 40, actor.lr = 1e-3,"
        + " trainer { eval-n = 4, checkpoint-every = 0 }, out = \"" + dir + "\", " + extra);
  }

  private double logProb(TinyVlm model, Task task, int[] response) {
    Torch.noGrad();
    try (NDManager m = model.newSubManager()) {
      return LogProbs.of(model, m, new float[][] {task.image()}, new int[][] {tok.prompt(task.question())},
          new int[][] {response}, 1f).sum().getFloat();
    }
  }

  @Test
  void oneUpdateRaisesTheLogProbOfAPositiveAdvantageAndLowersANegativeOne() {
    CampaignSpec spec = spec("algorithm.alpha = 0, actor.kl-coef = 0");
    Task task = world.task(Split.TRAIN, 3, 0);
    TaskId id = TaskId.parse(task.id());
    int[] good = tok.encode(task.goldResponse());
    int[] bad = tok.encode(world.task(Split.TRAIN, 3, 1).goldResponse());
    try (TinyVlm policy = new TinyVlm(shape, Device.cpu(), 1); AdamW opt = new AdamW(policy, AdamW.Hyper.defaults());
        LocalLearner learner = new LocalLearner(policy, null, opt, tok, world::task, spec, dir, Map.of(), 0)) {
      double goodBefore = logProb(policy, task, good);
      double badBefore = logProb(policy, task, bad);
      float[] plus = new float[good.length];
      float[] minus = new float[bad.length];
      java.util.Arrays.fill(plus, 1f);
      java.util.Arrays.fill(minus, -1f);
      Learner.Result r = learner.train(0, List.of(new Learner.Sample(id, good, plus), new Learner.Sample(id, bad, minus)));
      assertEquals(1, r.version());
      assertTrue(logProb(policy, task, good) > goodBefore, "positive advantage must raise the log-prob");
      assertTrue(logProb(policy, task, bad) < badBefore, "negative advantage must lower the log-prob");
    }
  }

  @Test
  void aFrozenVisionTowerStaysAsItWasWhileTheLanguageLayersMove() {
    CampaignSpec spec = spec("algorithm.alpha = 0, actor.kl-coef = 0, actor.freeze-vision-tower = true");
    Task task = world.task(Split.TRAIN, 3, 0);
    int[] good = tok.encode(task.goldResponse());
    float[] plus = new float[good.length];
    java.util.Arrays.fill(plus, 1f);
    try (TinyVlm policy = new TinyVlm(shape, Device.cpu(), 1); AdamW opt = new AdamW(policy, AdamW.Hyper.defaults());
        LocalLearner learner = new LocalLearner(policy, null, opt, tok, world::task, spec, dir, Map.of(), 0)) {
      Map<String, Tensor> before = policy.export();
      double lpBefore = logProb(policy, task, good);
      learner.train(0, List.of(new Learner.Sample(TaskId.parse(task.id()), good, plus)));
      Map<String, Tensor> after = policy.export();
      for (String name : before.keySet()) {
        if (TinyVlm.isVisionTower(name)) {
          assertTrue(java.util.Arrays.equals(before.get(name).data(), after.get(name).data()),
              name + " must stay frozen");
        }
      }
      assertTrue(before.keySet().stream().anyMatch(TinyVlm::isVisionTower), "the test model has a vision tower");
      assertNotEquals(before.get("h0.qkv.w").data()[0], after.get("h0.qkv.w").data()[0], "the language layers must move");
      assertTrue(logProb(policy, task, good) > lpBefore, "the update still follows the advantage");
    }
  }

  /** Flags the first two tokens of every response that has at least three: enough to exercise the penalty path. */
  private static final VerifierGroup FLAG_START = rollouts -> {
    List<List<TokenAdvantages.Span>> out = new ArrayList<>();
    for (Rollout r : rollouts) {
      out.add(r.tokens().length >= 3 ? List.of(new TokenAdvantages.Span(0, 2)) : List.of());
    }
    return out;
  };

  private List<Map<String, Double>> run(CampaignSpec spec, int steps) {
    List<Map<String, Double>> out = new ArrayList<>();
    try (TinyVlm policy = new TinyVlm(shape, Device.cpu(), 9); TinyVlm ref = new TinyVlm(shape, Device.cpu(), 9);
        TinyVlm replica = new TinyVlm(shape, Device.cpu(), 9);
        AdamW opt = new AdamW(policy, AdamW.Hyper.defaults());
        LocalLearner learner = new LocalLearner(policy, ref, opt, tok, world::task, spec, dir, Map.of(), 0)) {
      GrpoLoop loop = new GrpoLoop(spec, world, tok, world::task, new LocalSamplerGroup(replica, tok, world::task, 64, 0, learner::weights),
          FLAG_START, learner);
      for (int s = 0; s < steps; s++) {
        Map<String, Double> m = new TreeMap<>(loop.step(s).metrics());
        m.keySet().removeIf(k -> k.startsWith("timing_s/") || k.startsWith("perf/"));
        out.add(m);
      }
      out.add(new TreeMap<>(loop.evaluate()));
    }
    return out;
  }

  @Test
  void theSameSeedGivesIdenticalMetrics() {
    CampaignSpec spec = spec("algorithm.alpha = 0.1, actor { mini-batches = 2, micro-batch = 3 }");
    List<Map<String, Double>> a = run(spec, 2);
    List<Map<String, Double>> b = run(spec, 2);
    assertEquals(a, b);
    assertTrue(a.get(0).get("perceval/flagged_rate") > 0, "the verifier's flags must reach the step");
    assertTrue(a.get(0).containsKey("actor/kl_loss") && a.get(0).containsKey("actor/entropy"));
    List<Map<String, Double>> other = run(spec.with(Map.of("seed", "8")), 1);
    assertNotEquals(a.get(0), other.get(0));
  }

  @Test
  void microBatchSizeDoesNotChangeTheUpdate() {
    CampaignSpec whole = spec("algorithm.alpha = 0.1, actor.micro-batch = 64");
    CampaignSpec split = whole.with(Map.of("actor.micro-batch", "3"));
    Map<String, Double> a = run(whole, 1).get(0);
    Map<String, Double> b = run(split, 1).get(0);
    for (String k : List.of("actor/pg_loss", "actor/grad_norm", "actor/entropy", "actor/kl_loss")) {
      assertEquals(a.get(k), b.get(k), 1e-4 * Math.max(1, Math.abs(a.get(k))), k);
    }
  }

  @Test
  void gradientAgreementIsMeasuredWithoutChangingTheRun() {
    // A zero-variance scale so the untrained policy's tied groups still have a gradient.
    CampaignSpec plain = spec("algorithm { alpha = 0.1, zero-variance-scale = 1.0 }, prompts-per-step = 4");
    List<Map<String, Double>> a = run(plain, 2);
    List<Map<String, Double>> b = run(plain.with(Map.of("actor.grad-agreement", "true")), 2);
    for (int s = 0; s < 2; s++) {
      double agreement = b.get(s).remove("actor/grad_agreement");
      assertTrue(agreement >= -1 && agreement <= 1 && agreement != 0, "step " + s + ": " + agreement);
      assertEquals(a.get(s).keySet(), b.get(s).keySet());
      for (String k : a.get(s).keySet()) {
        assertEquals(a.get(s).get(k), b.get(s).get(k), 1e-5 * Math.max(1, Math.abs(a.get(s).get(k))), k);
      }
    }
    assertEquals(a.get(2), b.get(2), "the evaluation after the steps is the same");
  }

  @Test
  void theSpecsTokenShaperShapesTheStep() {
    // A zero-variance scale so the penalty bites even when the untrained policy's groups all tie.
    String penalty = "algorithm { alpha = 0.1, zero-variance-scale = 1.0 }, ";
    Map<String, Double> perceval = run(spec(penalty), 1).get(0);
    Map<String, Double> none = run(spec(penalty + "algorithm.token-shaper = none"), 1).get(0);
    assertEquals(run(spec("algorithm.alpha = 0"), 1).get(0), none, "none is outcome-only GRPO, flags only measured");
    assertNotEquals(perceval.get("actor/pg_loss"), none.get("actor/pg_loss"));
  }

  /** Even task indices: every sample right (no reward variance). Odd: right and wrong alternate. */
  private static SamplerGroup scripted(long[] version) {
    return new SamplerGroup() {
      @Override
      public List<Rollout> sample(List<TaskId> prompts, int groupSize, long seed,
          dev.perceval.policy.sampling.SamplingParams params) {
        List<Rollout> out = new ArrayList<>();
        for (TaskId id : prompts) {
          Task t = world.task(id);
          for (int j = 0; j < groupSize; j++) {
            boolean right = id.index() % 2 == 0 || j % 2 == 0;
            int[] tokens = tok.encode(right ? t.goldResponse() : "<think> . </think> <answer> . </answer>");
            out.add(new Rollout(id, tokens, new float[tokens.length], true, version[0]));
          }
        }
        return out;
      }

      @Override
      public void sync(WeightsRef weights) {
        version[0] = weights.version();
      }
    };
  }

  @Test
  void aRunKeepsItsCheckpointCadenceAndCheckpointsWhereARequestedStopEndsIt() throws Exception {
    CampaignSpec spec = spec("algorithm.alpha = 0, steps = 5,"
        + " trainer { eval-every = 0, checkpoint-every = 2, keep-checkpoints = 2 }");
    StepCheckpoints checkpoints = new StepCheckpoints(dir.resolve("checkpoints"));
    long[] version = {0};
    try (TinyVlm policy = new TinyVlm(shape, Device.cpu(), 9); TinyVlm ref = new TinyVlm(shape, Device.cpu(), 9);
        AdamW opt = new AdamW(policy, AdamW.Hyper.defaults());
        LocalLearner learner = new LocalLearner(policy, ref, opt, tok, world::task, spec, checkpoints.dir(), Map.of(),
            0)) {
      GrpoLoop loop = new GrpoLoop(spec, world, tok, world::task, scripted(version), null, learner);
      int[] stepsRun = {0};
      List<String> journaled = new ArrayList<>();
      loop.run(0, new GrpoLoop.Listener() {
        @Override
        public Map<String, Double> extraMetrics() {
          stepsRun[0]++;
          return Map.of();
        }

        @Override
        public boolean stopRequested() {
          return stepsRun[0] >= 3;
        }

        @Override
        public void stepped(long step, Map<String, Double> metrics, String checkpoint) {
          journaled.add(step + (checkpoint == null ? "" : " " + Path.of(checkpoint).getFileName()));
        }
      });
      assertEquals(List.of("1", "2 step-2", "3 step-3"), journaled);
      GrpoLoop.Outcome resumed = loop.run(3, new GrpoLoop.Listener() {});
      assertEquals(List.of("step-4", "step-5"),
          checkpoints.list().stream().map(p -> p.getFileName().toString()).toList());
      assertEquals(6, java.nio.file.Files.readAllLines(dir.resolve("metrics.csv")).size(), "a header and 5 steps");
      assertTrue(resumed.firstEval().containsKey("eval/accuracy"), "the last step is evaluated");
    }
  }

  @Test
  void dynamicSamplingDropsGroupsWithoutRewardVarianceAndRefills() {
    CampaignSpec spec = spec("algorithm.alpha = 0, rollout { dynamic-sampling = true, max-rounds = 2 }");
    long[] version = {0};
    try (TinyVlm policy = new TinyVlm(shape, Device.cpu(), 9); TinyVlm ref = new TinyVlm(shape, Device.cpu(), 9);
        AdamW opt = new AdamW(policy, AdamW.Hyper.defaults());
        LocalLearner learner = new LocalLearner(policy, ref, opt, tok, world::task, spec, dir, Map.of(), 0)) {
      GrpoLoop loop = new GrpoLoop(spec, world, tok, world::task, scripted(version), null, learner);
      Map<String, Double> m = loop.step(0).metrics();
      assertEquals(2.0, m.get("batch/kept_groups"));
      assertEquals(2.0, m.get("batch/sampling_rounds"));
      assertEquals(0.5, m.get("batch/frac_reward_zero_std"));
      assertEquals(1, version[0], "the samplers must hold the new weights after the step");
      Map<String, Double> plain = new GrpoLoop(spec.with(Map.of("rollout.dynamic-sampling", "false")), world, tok,
          world::task, scripted(version), null, learner).step(1).metrics();
      assertEquals(2.0, plain.get("batch/kept_groups"));
      assertEquals(1.0, plain.get("batch/sampling_rounds"));
    }
  }

  @Test
  void aCampaignWithoutAnOutWritesUnderItsIdSoTwoOfOneNameNeverShareCheckpoints() {
    CampaignSpec named = CampaignSpec.parse("name = twin, policy = p, verifier = oracle");
    assertEquals(Path.of("runs/twin"), named.outDir());
    assertEquals(Path.of("runs/c0001-twin"), named.keyedBy("c0001-twin").outDir());
    assertEquals(Path.of("runs/c0002-twin"), named.keyedBy("c0002-twin").outDir());
    assertEquals(dir, spec("").keyedBy("c0003-campaign").outDir(), "an out of its own is kept");
  }

  @Test
  void badSpecsNameTheKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec("algorithm.alhpa = 0.1"));
    assertTrue(e.getMessage().contains("unknown key 'algorithm.alhpa'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec("steps = -3"));
    assertTrue(e.getMessage().contains("steps must be at least 1, got -3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec("actor.loss-agg = mean"));
    assertTrue(e.getMessage().contains("actor.loss-agg: unknown loss aggregation 'mean'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec("algorithm.alpha = 0.1, verifier = \"\""));
    assertTrue(e.getMessage().contains("no verifier is given"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec("").with(Map.of("policy", "\"\"")));
    assertTrue(e.getMessage().contains("policy: a policy checkpoint is required"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> spec("trainer.keep-checkpoints = 1"));
    assertTrue(e.getMessage().contains("trainer.keep-checkpoints must be 0 (keep all) or at least 2"), e.getMessage());
  }
}
