package dev.perceval.cluster.cli;

import dev.perceval.policy.Rng;
import dev.perceval.policy.Settings;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.sampling.Sampler;
import dev.perceval.policy.sampling.SamplingParams;
import java.util.HashMap;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print ratios measured in one run.",
    subcommands = {BenchCommand.SamplingBench.class, BenchCommand.VerifyBench.class, LearnerBench.class,
        ClusterBench.class})
final class BenchCommand extends GroupCommand {

  @Command(name = "sampling", mixinStandardHelpOptions = true,
      description = "Decoding tokens/s with and without the KV cache, same model and batch.")
  static final class SamplingBench implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--batch", defaultValue = "64") int batch;

    @Option(names = "--new-tokens", defaultValue = "48") int newTokens;

    @Option(names = "--repeats", defaultValue = "3") int repeats;

    @Option(names = "--vocab", defaultValue = "120", description = "Vocabulary size of the bench model.")
    int vocab;

    @Override
    public Integer call() {
      Context ctx = new Context(common.settings(new HashMap<>()));
      Settings s = ctx.settings;
      VlmConfig shape = s.model().shape(s.world().imageSize(), vocab);
      Rng rng = new Rng(s.seed());
      int px = 3 * shape.imageSize() * shape.imageSize();
      float[][] images = new float[batch][px];
      int[][] prompts = new int[batch][];
      long[] seeds = new long[batch];
      for (int i = 0; i < batch; i++) {
        for (int j = 0; j < px; j++) {
          images[i][j] = (float) rng.nextDouble();
        }
        prompts[i] = new int[10];
        prompts[i][0] = 1;
        for (int j = 1; j < prompts[i].length; j++) {
          prompts[i][j] = 2 + rng.nextInt(vocab - 2);
        }
        seeds[i] = i;
      }
      try (TinyVlm model = new TinyVlm(shape, ctx.device, s.seed())) {
        System.out.printf(Locale.ROOT, "bench sampling: %.2fM parameters (d%d x %d layers), batch %d x %d new tokens,"
                + " %d image + 10 prompt tokens, %s, %d thread(s)%n", model.parameterCount() / 1e6,
            shape.dModel(), shape.layers(), batch, newTokens, shape.imageTokens(), ctx.device,
            s.effectiveThreads());
        // A stop id of -1 never matches: every row decodes the full length in both modes.
        SamplingParams p = SamplingParams.sample(1f, 1f, newTokens);
        double cached = tokensPerSecond(model, images, prompts, seeds, p);
        double full = tokensPerSecond(model, images, prompts, seeds, p.withCache(false));
        System.out.printf(Locale.ROOT, "  with KV cache    %10.0f tokens/s%n", cached);
        System.out.printf(Locale.ROOT, "  without KV cache %10.0f tokens/s%n", full);
        System.out.printf(Locale.ROOT, "  ratio cache/no-cache: %.1fx%n", cached / full);
      }
      return 0;
    }

    private double tokensPerSecond(TinyVlm model, float[][] images, int[][] prompts, long[] seeds,
        SamplingParams p) {
      Sampler.generate(model, -1, images, prompts, seeds, p); // warm-up
      long best = Long.MAX_VALUE;
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        Sampler.generate(model, -1, images, prompts, seeds, p);
        best = Math.min(best, System.nanoTime() - t0);
      }
      return (double) batch * newTokens / (best / 1e9);
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Perceval verifier throughput in responses/s at a batch size, and against batch 1.")
  static final class VerifyBench implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--batch", defaultValue = "64") int batch;

    @Option(names = "--repeats", defaultValue = "5") int repeats;

    @Override
    public Integer call() {
      var config = common.config(new HashMap<>()).getConfig("perceval");
      Context ctx = new Context(Settings.from(config));
      dev.perceval.prm.PrmSettings prm = dev.perceval.prm.PrmSettings.from(config);
      var world = ctx.world();
      var tok = dev.perceval.policy.text.Tokenizer.of(world.vocabulary());
      java.util.List<dev.perceval.policy.world.Task> tasks = new java.util.ArrayList<>();
      java.util.List<int[]> responses = new java.util.ArrayList<>();
      for (int i = 0; i < batch; i++) {
        var t = world.task(dev.perceval.policy.world.Split.HELDOUT, ctx.settings.seed(), i);
        tasks.add(t);
        responses.add(tok.encode(t.goldResponse()));
      }
      double tokens = responses.stream().mapToInt(r -> r.length).sum();
      try (TinyVlm model = new TinyVlm(prm.shape(world.imageSize(), tok.size()), ctx.device, ctx.settings.seed())) {
        var verifier = new dev.perceval.prm.PercevalVerifier(model, tok, world, prm.threshold(), batch);
        System.out.printf(Locale.ROOT, "bench verify: %.2fM parameters (d%d x %d layers), %s, %d thread(s),"
                + " %d held-out %s responses of %.1f tokens on average%n", model.parameterCount() / 1e6,
            model.config().dModel(), model.config().layers(), ctx.device, ctx.settings.effectiveThreads(), batch,
            world.name(), tokens / batch);
        double batched = responsesPerSecond(() -> verifier.verify(tasks, responses));
        double single = responsesPerSecond(() -> {
          for (int i = 0; i < batch; i++) {
            verifier.verify(tasks.subList(i, i + 1), responses.subList(i, i + 1));
          }
        });
        System.out.printf(Locale.ROOT, "  batch %-3d %10.0f responses/s (%.0f tokens/s)%n", batch, batched, batched * tokens / batch);
        System.out.printf(Locale.ROOT, "  batch 1   %10.0f responses/s%n", single);
        System.out.printf(Locale.ROOT, "  ratio batch %d / batch 1: %.1fx%n", batch, batched / single);
      }
      return 0;
    }

    private double responsesPerSecond(Runnable pass) {
      pass.run();
      long best = Long.MAX_VALUE;
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        pass.run();
        best = Math.min(best, System.nanoTime() - t0);
      }
      return batch / (best / 1e9);
    }
  }
}
