package dev.perceval.cluster.cli;

import dev.perceval.policy.Settings;
import dev.perceval.policy.bench.LearnerThroughput;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.World;
import java.util.HashMap;
import java.util.Locale;
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
  public Integer call() {
    Context ctx = new Context(common.settings(new HashMap<>()));
    Settings s = ctx.settings;
    World world = ctx.world();
    Tokenizer tok = Tokenizer.of(world.vocabulary());
    VlmConfig configured = s.model().shape(s.world().imageSize(), tok.size());
    try (LearnerThroughput bench = new LearnerThroughput(configured, world, tok, s.seed(), ctx.device, batch, tokens)) {
      VlmConfig shape = bench.shape();
      System.out.printf(Locale.ROOT, "bench learner: %.2fM parameters (d%d x %d layers), batch %d x %d response tokens"
              + " (%d positions with image and prompt), %s, %d thread(s)%n", bench.parameters() / 1e6,
          shape.dModel(), shape.layers(), batch, tokens, bench.positions(), ctx.device, s.effectiveThreads());
      LearnerThroughput.Result r = bench.measure(repeats, gemm);
      System.out.printf(Locale.ROOT, "  learner step     %8.3f s  (reference log-probs, forward + backward, AdamW)%n",
          r.stepSeconds());
      System.out.printf(Locale.ROOT, "  achieved         %8.2f GFLOP/s (model FLOPs %.1f G per step)%n",
          r.achieved() / 1e9, r.flopsPerStep() / 1e9);
      System.out.printf(Locale.ROOT, "  GEMM peak        %8.2f GFLOP/s (%dx%d float32 matmul)%n", r.gemmPeak() / 1e9,
          r.gemm(), r.gemm());
      System.out.printf(Locale.ROOT, "  ratio achieved/peak: %.2f%n", r.ratio());
    }
    return 0;
  }
}
