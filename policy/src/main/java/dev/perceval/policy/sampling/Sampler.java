package dev.perceval.policy.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.Rng;
import dev.perceval.policy.model.Inputs;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched autoregressive decoding. Prompts are left-padded so all rows decode in lockstep; each
 * row draws from its own seeded stream, so a row's tokens do not depend on which other rows
 * share its batch. A prompt may end with a response prefix: decoding then continues from it.
 */
public final class Sampler {
  private Sampler() {}

  public static List<Generation> generate(TinyVlm model, int stopId, float[][] images,
      int[][] prompts, long[] seeds, SamplingParams params) {
    if (images.length != prompts.length || seeds.length != prompts.length) {
      throw new IllegalArgumentException("images, prompts and seeds must have one entry per row");
    }
    if (prompts.length == 0) {
      return List.of();
    }
    Torch.noGrad();
    Decoder decoder = params.useCache()
        ? new CachedDecoder(model, images, Inputs.join(prompts, null))
        : new FullDecoder(model, images, prompts);
    try (decoder) {
      return run(model.config(), decoder, stopId, prompts, seeds, params);
    }
  }

  private static List<Generation> run(VlmConfig cfg, Decoder decoder, int stopId, int[][] prompts,
      long[] seeds, SamplingParams params) {
    int b = prompts.length;
    Rng[] rngs = new Rng[b];
    int[] textLength = new int[b];
    for (int r = 0; r < b; r++) {
      rngs[r] = Rng.derive(seeds[r], "sample");
      textLength[r] = (int) Arrays.stream(prompts[r]).filter(t -> t != 0).count();
      if (textLength[r] >= cfg.maxText()) {
        throw new IllegalArgumentException("prompt " + r + " has " + textLength[r]
            + " tokens, leaving no room under the model's maxText " + cfg.maxText());
      }
    }
    int[][] tokens = new int[b][params.maxNewTokens()];
    float[][] logProbs = new float[b][params.maxNewTokens()];
    int[] produced = new int[b];
    boolean[] active = new boolean[b];
    boolean[] stopped = new boolean[b];
    Arrays.fill(active, true);
    float[][] lp = decoder.prefill(params.logProbTemperature());
    for (int step = 0; step < params.maxNewTokens(); step++) {
      int[] next = new int[b];
      boolean any = false;
      for (int r = 0; r < b; r++) {
        if (!active[r]) {
          continue;
        }
        int tok = params.greedy() ? argmax(lp[r]) : draw(lp[r], params.topP(), rngs[r]);
        tokens[r][produced[r]] = tok;
        logProbs[r][produced[r]] = lp[r][tok];
        produced[r]++;
        textLength[r]++;
        if (tok == stopId) {
          stopped[r] = true;
          active[r] = false;
        } else if (textLength[r] >= cfg.maxText()) {
          active[r] = false;
        } else {
          next[r] = tok;
          any = true;
        }
      }
      if (!any || step == params.maxNewTokens() - 1) {
        break;
      }
      lp = decoder.advance(next, params.logProbTemperature());
    }
    List<Generation> out = new ArrayList<>(b);
    for (int r = 0; r < b; r++) {
      out.add(new Generation(Arrays.copyOf(tokens[r], produced[r]),
          Arrays.copyOf(logProbs[r], produced[r]), stopped[r]));
    }
    return out;
  }

  static int argmax(float[] lp) {
    int best = 0;
    for (int i = 1; i < lp.length; i++) {
      if (lp[i] > lp[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Nucleus sampling: the smallest set of most likely tokens whose mass reaches topP. */
  static int draw(float[] lp, float topP, Rng rng) {
    int v = lp.length;
    if (topP >= 1) {
      return drawAll(lp, rng);
    }
    Integer[] order = new Integer[v];
    double[] p = new double[v];
    double total = 0;
    for (int i = 0; i < v; i++) {
      order[i] = i;
      p[i] = Math.exp(lp[i]);
      total += p[i];
    }
    Arrays.sort(order, (a, c) -> p[a] != p[c] ? Double.compare(p[c], p[a]) : Integer.compare(a, c));
    int keep = v;
    if (topP < 1) {
      double cum = 0;
      for (int i = 0; i < v; i++) {
        cum += p[order[i]] / total;
        if (cum >= topP) {
          keep = i + 1;
          break;
        }
      }
    }
    double mass = 0;
    for (int i = 0; i < keep; i++) {
      mass += p[order[i]];
    }
    double u = rng.nextDouble() * mass;
    for (int i = 0; i < keep; i++) {
      u -= p[order[i]];
      if (u < 0) {
        return order[i];
      }
    }
    return order[keep - 1];
  }

  /** Plain categorical draw in index order: no sort needed when nothing is truncated. */
  private static int drawAll(float[] lp, Rng rng) {
    double total = 0;
    double[] p = new double[lp.length];
    for (int i = 0; i < lp.length; i++) {
      p[i] = Math.exp(lp[i]);
      total += p[i];
    }
    double u = rng.nextDouble() * total;
    for (int i = 0; i < lp.length; i++) {
      u -= p[i];
      if (u < 0) {
        return i;
      }
    }
    int last = lp.length - 1;
    while (last > 0 && p[last] == 0) {
      last--;
    }
    return last;
  }

  static float[][] lastLogProbs(NDArray logits, float temperature) {
    long b = logits.getShape().get(0);
    long v = logits.getShape().get(2);
    NDArray last = logits.get(new NDIndex(":, -1, :"));
    NDArray t = last.getManager().create(temperature);
    float[] flat = last.div(t).logSoftmax(-1).toFloatArray();
    float[][] out = new float[(int) b][];
    for (int r = 0; r < b; r++) {
      out[r] = Arrays.copyOfRange(flat, (int) (r * v), (int) ((r + 1) * v));
    }
    return out;
  }

  private interface Decoder extends AutoCloseable {
    float[][] prefill(float temperature);

    /** Feeds one token per row ({@code 0} for rows that have finished) and returns next log-probs. */
    float[][] advance(int[] tokens, float temperature);

    @Override
    void close();
  }

  /** Prefills the prompt once, then feeds one token per step against the KV cache. */
  private static final class CachedDecoder implements Decoder {
    private final TinyVlm model;
    private final TinyVlm.KvCache cache;
    private final float[][] images;
    private final int[][] text;
    private final List<boolean[]> validKeys = new ArrayList<>();
    private int[] nextPosition;

    CachedDecoder(TinyVlm model, float[][] images, int[][] text) {
      this.model = model;
      this.cache = new TinyVlm.KvCache(model);
      this.images = images;
      this.text = text;
    }

    @Override
    public float[][] prefill(float temperature) {
      try (NDManager m = model.newSubManager()) {
        Inputs in = Inputs.of(m, model.config(), images, text);
        int b = text.length;
        nextPosition = new int[b];
        int nImg = model.config().imageTokens();
        for (int k = 0; k < nImg + text[0].length; k++) {
          boolean[] col = new boolean[b];
          for (int r = 0; r < b; r++) {
            col[r] = k < nImg || in.keyValid()[r][k - nImg];
            if (k >= nImg && col[r]) {
              nextPosition[r] = in.textPositions()[r][k - nImg] + 1;
            }
          }
          validKeys.add(col);
        }
        return lastLogProbs(model.forward(in, cache), temperature);
      }
    }

    @Override
    public float[][] advance(int[] tokens, float temperature) {
      int b = tokens.length;
      boolean[] col = new boolean[b];
      long[] tok = new long[b];
      long[] pos = new long[b];
      for (int r = 0; r < b; r++) {
        col[r] = tokens[r] != 0;
        tok[r] = tokens[r];
        pos[r] = col[r] ? nextPosition[r]++ : 0;
      }
      validKeys.add(col);
      int keys = validKeys.size();
      float[] mask = new float[b * keys];
      for (int k = 0; k < keys; k++) {
        boolean[] c = validKeys.get(k);
        for (int r = 0; r < b; r++) {
          mask[r * keys + k] = c[r] ? 0f : -1e9f;
        }
      }
      try (NDManager m = model.newSubManager()) {
        NDArray logits = model.step(m.create(tok, new Shape(b, 1)), m.create(pos, new Shape(b, 1)),
            m.create(mask, new Shape(b, 1, 1, keys)), cache);
        return lastLogProbs(logits, temperature);
      }
    }

    @Override
    public void close() {
      cache.close();
    }
  }

  /** Re-runs the full sequence every step: quadratic, kept as the reference for the cache. */
  private static final class FullDecoder implements Decoder {
    private final TinyVlm model;
    private final float[][] images;
    private final int[][] prompts;
    private final List<int[]> generated = new ArrayList<>();

    FullDecoder(TinyVlm model, float[][] images, int[][] prompts) {
      this.model = model;
      this.images = images;
      this.prompts = prompts;
    }

    @Override
    public float[][] prefill(float temperature) {
      return forward(temperature);
    }

    @Override
    public float[][] advance(int[] tokens, float temperature) {
      generated.add(tokens.clone());
      return forward(temperature);
    }

    private float[][] forward(float temperature) {
      int b = prompts.length;
      int[][] suffix = new int[b][generated.size()];
      for (int s = 0; s < generated.size(); s++) {
        for (int r = 0; r < b; r++) {
          suffix[r][s] = generated.get(s)[r];
        }
      }
      try (NDManager m = model.newSubManager()) {
        Inputs in = Inputs.of(m, model.config(), images, Inputs.join(prompts, suffix));
        return lastLogProbs(model.forward(in, null), temperature);
      }
    }

    @Override
    public void close() {}
  }
}
