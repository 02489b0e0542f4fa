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
    subcommands = BenchCommand.SamplingBench.class)
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

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
}
