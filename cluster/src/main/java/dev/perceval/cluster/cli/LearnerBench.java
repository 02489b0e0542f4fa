package dev.perceval.cluster.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.Rng;
import dev.perceval.policy.Settings;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.grpo.Learner;
import dev.perceval.policy.grpo.LocalLearner;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "learner", mixinStandardHelpOptions = true,
    description = "GRPO learner step time on a batch of responses, the FLOP/s it achieves, and its ratio to a"
        + " GEMM peak measured in the same run.")
final class LearnerBench implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(names = "--batch", defaultValue = "64") int batch;

  @Option(names = "--tokens", defaultValue = "96", description = "Response tokens per row.") int tokens;

  @Option(names = "--repeats", defaultValue = "5") int repeats;

  @Option(names = "--gemm", defaultValue = "1024", description = "Side of the square matrices of the GEMM peak.")
  int gemm;

  @Override
  public Integer call() throws Exception {
    Context ctx = new Context(common.settings(new HashMap<>()));
    Settings s = ctx.settings;
    World world = ctx.world();
    Tokenizer tok = Tokenizer.of(world.vocabulary());
    VlmConfig shape = s.model().shape(s.world().imageSize(), tok.size());
    int maxText = Math.max(shape.maxText(), 16 + tokens);
    shape = new VlmConfig(shape.imageSize(), shape.patch(), shape.stemChannels(), shape.dModel(), shape.layers(),
        shape.heads(), shape.vocab(), maxText, shape.mode());
    CampaignSpec spec = CampaignSpec.parse("policy = bench, verifier = oracle, rollout.max-new-tokens = " + tokens
        + ", rollout.overlong-buffer = 1, actor.micro-batch = " + batch);
    Rng rng = new Rng(s.seed());
    List<Learner.Sample> samples = new ArrayList<>();
    int promptTokens = 0;
    for (int i = 0; i < batch; i++) {
      Task t = world.task(Split.TRAIN, s.seed(), i);
      promptTokens += tok.prompt(t.question()).length;
      int[] response = new int[tokens];
      float[] adv = new float[tokens];
      for (int j = 0; j < tokens; j++) {
        response[j] = 2 + rng.nextInt(tok.size() - 2);
        adv[j] = (float) rng.nextGaussian();
      }
      samples.add(new Learner.Sample(TaskId.parse(t.id()), response, adv));
    }
    long seq = shape.imageTokens() + Math.round(promptTokens / (double) batch) + tokens;
    // Forwards per step: reference log-probs, the training pass (backward ~ 2x forward), and old
    // log-probs only when a step makes several updates.
    int forwards = LocalLearner.recomputesOldLogProbs(spec.update()) ? 5 : 4;
    double flops = forwards * forwardFlops(shape, seq) * batch;
    Path tmp = Files.createTempDirectory("perceval-bench");
    try (TinyVlm policy = new TinyVlm(shape, ctx.device, s.seed()); TinyVlm ref = new TinyVlm(shape, ctx.device, s.seed());
        AdamW opt = new AdamW(policy, AdamW.Hyper.defaults());
        LocalLearner learner = new LocalLearner(policy, ref, opt, tok, world::task, spec, tmp, Map.of(), 0)) {
      System.out.printf(Locale.ROOT, "bench learner: %.2fM parameters (d%d x %d layers), batch %d x %d response tokens"
              + " (%d positions with image and prompt), %s, %d thread(s)%n", policy.parameterCount() / 1e6,
          shape.dModel(), shape.layers(), batch, tokens, seq, ctx.device, s.effectiveThreads());
      learner.train(0, samples);
      long best = Long.MAX_VALUE;
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        learner.train(r + 1, samples);
        best = Math.min(best, System.nanoTime() - t0);
      }
      double seconds = best / 1e9;
      double peak = gemmPeak(policy);
      System.out.printf(Locale.ROOT, "  learner step     %8.3f s  (reference log-probs, forward + backward, AdamW)%n", seconds);
      System.out.printf(Locale.ROOT, "  achieved         %8.2f GFLOP/s (model FLOPs %.1f G per step)%n", flops / seconds / 1e9, flops / 1e9);
      System.out.printf(Locale.ROOT, "  GEMM peak        %8.2f GFLOP/s (%dx%d float32 matmul)%n", peak / 1e9, gemm, gemm);
      System.out.printf(Locale.ROOT, "  ratio achieved/peak: %.2f%n", flops / seconds / peak);
    } finally {
      try (var files = Files.walk(tmp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    return 0;
  }

  /**
   * Multiply-adds x 2 of one forward over {@code seq} positions: patch embedding, the one-hot
   * embedding matmuls, per layer the projections, MLP and both attention products, and the head.
   */
  static double forwardFlops(VlmConfig c, long seq) {
    long d = c.dModel();
    long text = seq - c.imageTokens();
    double f = 2.0 * c.imageTokens() * c.patchDim() * d + 2.0 * c.imageTokens() * 2 * c.grid() * d;
    if (c.stemChannels() > 0) {
      long px = (long) c.imageSize() * c.imageSize();
      f += 2.0 * px * 27 * c.stemChannels() + 2.0 * px * 9 * c.stemChannels() * c.stemChannels();
    }
    f += 2.0 * text * (c.vocab() + c.maxText()) * d;
    f += c.layers() * (2.0 * seq * d * 3 * d + 2.0 * seq * d * d + 2.0 * seq * d * 8 * d + 4.0 * seq * seq * d);
    f += 2.0 * text * d * c.outputs();
    return f;
  }

  private double gemmPeak(TinyVlm model) {
    dev.perceval.policy.model.Torch.noGrad();
    try (NDManager m = model.newSubManager()) {
      NDArray a = m.randomUniform(-1, 1, new Shape(gemm, gemm));
      NDArray b = m.randomUniform(-1, 1, new Shape(gemm, gemm));
      a.matMul(b).close();
      long best = Long.MAX_VALUE;
      for (int r = 0; r < Math.max(3, repeats); r++) {
        long t0 = System.nanoTime();
        NDArray c = a.matMul(b);
        c.getFloat(0, 0);
        best = Math.min(best, System.nanoTime() - t0);
        c.close();
      }
      return 2.0 * gemm * gemm * gemm / (best / 1e9);
    }
  }
}
