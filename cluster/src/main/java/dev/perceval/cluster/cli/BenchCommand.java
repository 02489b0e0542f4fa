package dev.perceval.cluster.cli;

import dev.perceval.policy.Settings;
import dev.perceval.policy.bench.SamplingThroughput;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.prm.PrmSettings;
import dev.perceval.prm.bench.VerifierThroughput;
import java.util.HashMap;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks that print ratios measured in one run.",
    subcommands = {BenchCommand.SamplingBench.class, BenchCommand.VerifyBench.class, LearnerBench.class,
        ClusterBench.class, BenchAll.class})
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

    @Option(names = "--gemm", defaultValue = "1024", description = "Side of the square matmul the peak is measured on.")
    int gemm;

    @Override
    public Integer call() {
      Context ctx = new Context(common.settings(new HashMap<>()));
      Settings s = ctx.settings;
      VlmConfig shape = s.model().shape(s.world().imageSize(), vocab);
      try (SamplingThroughput bench = new SamplingThroughput(shape, ctx.device, s.seed(), batch, newTokens)) {
        System.out.printf(Locale.ROOT, "bench sampling: %.2fM parameters (d%d x %d layers), batch %d x %d new tokens,"
                + " %d image + %d prompt tokens, %s, %d thread(s)%n", bench.model().parameterCount() / 1e6,
            shape.dModel(), shape.layers(), batch, newTokens, shape.imageTokens(), SamplingThroughput.PROMPT_TOKENS,
            ctx.device, s.effectiveThreads());
        SamplingThroughput.Result r = bench.measure(repeats, gemm);
        System.out.printf(Locale.ROOT, "  with KV cache    %10.0f tokens/s (%.1f GFLOP/s)%n", r.cachedTokensPerSecond(),
            r.decodeFlops() / 1e9);
        System.out.printf(Locale.ROOT, "  without KV cache %10.0f tokens/s%n", r.fullTokensPerSecond());
        System.out.printf(Locale.ROOT, "  GEMM %d x %d   %10.1f GFLOP/s%n", r.gemm(), r.gemm(), r.gemmPeak() / 1e9);
        System.out.printf(Locale.ROOT, "  ratio cache/no-cache: %.1fx; cached decode / GEMM peak: %.3f%n", r.ratio(),
            r.shareOfPeak());
      }
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Perceval verifier throughput in responses/s at a batch size, and against batch 1.")
  static final class VerifyBench implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--batch", defaultValue = "64") int batch;

    @Option(names = "--repeats", defaultValue = "5") int repeats;

    @Option(names = "--group-size", defaultValue = "1",
        description = "Responses per task, as in a GRPO step (1: every response to its own task).")
    int groupSize;

    @Override
    public Integer call() {
      var config = common.config(new HashMap<>()).getConfig("perceval");
      Context ctx = new Context(Settings.from(config));
      PrmSettings prm = PrmSettings.from(config);
      var world = ctx.world();
      try (VerifierThroughput bench = new VerifierThroughput(prm, world, ctx.settings.seed(), ctx.device, batch,
          groupSize)) {
        var shape = bench.model().config();
        System.out.printf(Locale.ROOT, "bench verify: %.2fM parameters (d%d x %d layers), judging by %s, %s,"
                + " %d thread(s), %d held-out %s responses of %.1f tokens on average, %d per task%n",
            bench.model().parameterCount() / 1e6, shape.dModel(), shape.layers(),
            bench.judging().name().toLowerCase(Locale.ROOT), ctx.device, ctx.settings.effectiveThreads(), batch,
            world.name(), bench.meanResponseTokens(), groupSize);
        VerifierThroughput.Result r = bench.measure(repeats);
        System.out.printf(Locale.ROOT, "  batch %-3d %10.0f responses/s (%.0f tokens/s)%n", batch, r.batched(),
            r.batchedTokensPerSecond());
        System.out.printf(Locale.ROOT, "  batch 1   %10.0f responses/s%n", r.single());
        System.out.printf(Locale.ROOT, "  ratio batch %d / batch 1: %.1fx%n", batch, r.ratio());
      }
      return 0;
    }
  }
}
