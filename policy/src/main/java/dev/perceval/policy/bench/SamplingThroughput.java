package dev.perceval.policy.bench;

import ai.djl.Device;
import dev.perceval.policy.Rng;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.sampling.Sampler;
import dev.perceval.policy.sampling.SamplingParams;

/**
 * Decoding speed with and without the KV cache: one freshly initialised model, one batch of
 * random images and prompts, both modes decoding the same full length. Opening it builds the
 * model (so a caller can describe it before the slow part); {@link #measure} times the decoding.
 */
public final class SamplingThroughput implements AutoCloseable {
  /** Tokens of every prompt: {@code <bos>} and random ids. */
  public static final int PROMPT_TOKENS = 10;

  private final TinyVlm model;
  private final int batch;
  private final int newTokens;
  private final float[][] images;
  private final int[][] prompts;
  private final long[] seeds;

  /**
   * Tokens per second of both modes and their ratio, and the cached mode's model FLOP/s against a
   * GEMM peak measured in the same run.
   */
  public record Result(double cachedTokensPerSecond, double fullTokensPerSecond, double decodeFlops, double gemmPeak,
      int gemm) {
    public double ratio() {
      return cachedTokensPerSecond / fullTokensPerSecond;
    }

    public double shareOfPeak() {
      return decodeFlops / gemmPeak;
    }
  }

  public SamplingThroughput(VlmConfig shape, Device device, long seed, int batch, int newTokens) {
    this.batch = batch;
    this.newTokens = newTokens;
    Rng rng = new Rng(seed);
    int px = 3 * shape.imageSize() * shape.imageSize();
    images = new float[batch][px];
    prompts = new int[batch][];
    seeds = new long[batch];
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < px; j++) {
        images[i][j] = (float) rng.nextDouble();
      }
      prompts[i] = new int[PROMPT_TOKENS];
      prompts[i][0] = 1;
      for (int j = 1; j < prompts[i].length; j++) {
        prompts[i][j] = 2 + rng.nextInt(shape.vocab() - 2);
      }
      seeds[i] = i;
    }
    model = new TinyVlm(shape, device, seed);
  }

  public TinyVlm model() {
    return model;
  }

  /** Each mode timed by {@link Timing#best} over {@code repeats} runs, then a {@code gemm}-sized GEMM. */
  public Result measure(int repeats, int gemm) {
    return measure(repeats, gemm, true);
  }

  /**
   * As {@link #measure(int, int)}; without {@code uncached} only the cached mode is timed (the full
   * recomputation costs minutes at large batches) and the result's uncached rate is NaN.
   */
  public Result measure(int repeats, int gemm, boolean uncached) {
    // A stop id of -1 never matches: every row decodes the full length in both modes.
    SamplingParams p = SamplingParams.sample(1f, 1f, newTokens);
    double cached = tokensPerSecond(p, repeats);
    double full = uncached ? tokensPerSecond(p.withCache(false), repeats) : Double.NaN;
    double flopsPerToken = cachedFlops() / ((double) batch * newTokens);
    return new Result(cached, full, cached * flopsPerToken, Timing.gemmPeak(model, gemm, Math.max(3, repeats)), gemm);
  }

  /**
   * Model FLOPs of one cached decode of the batch: the prefill's forward, then per new token its
   * embedding, every layer's projections and MLP, attention over the keys cached so far, and the head.
   */
  double cachedFlops() {
    VlmConfig c = model.config();
    long d = c.dModel();
    long prefix = c.imageTokens() + PROMPT_TOKENS;
    double f = LearnerThroughput.forwardFlops(c, prefix);
    for (int t = 1; t < newTokens; t++) {
      long keys = prefix + t;
      f += 2.0 * (c.vocab() + c.maxText()) * d + 2.0 * d * c.outputs()
          + c.layers() * (2.0 * d * 3 * d + 2.0 * d * d + 2.0 * d * 8 * d + 4.0 * keys * d);
    }
    return f * batch;
  }

  private double tokensPerSecond(SamplingParams p, int repeats) {
    long best = Timing.best(repeats, () -> Sampler.generate(model, -1, images, prompts, seeds, p));
    return Timing.perSecond((double) batch * newTokens, best);
  }

  @Override
  public void close() {
    model.close();
  }
}
