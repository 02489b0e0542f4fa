package dev.perceval.policy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * One batch laid out for the model: image prefix, then a text matrix in which {@code <pad>}
 * (id 0) marks holes. Prompts are left-padded so that every row's next token sits at the same
 * index, which is what lets a batch decode in lockstep with one KV cache.
 *
 * @param keyValid per row, per text index: whether the token is real (not padding)
 * @param textPositions per row, per text index: the token's 1-D position among real tokens
 */
public record Inputs(NDArray images, NDArray tokens, NDArray positions, NDArray mask,
    boolean[][] keyValid, int[][] textPositions) {

  /**
   * Builds the arrays in {@code m}. {@code text[b]} is the full token row (already padded to a
   * common length); images are CHW floats of {@code cfg.imageSize()} squared.
   */
  public static Inputs of(NDManager m, VlmConfig cfg, float[][] images, int[][] text) {
    int b = text.length;
    int t = text[0].length;
    int nImg = cfg.imageTokens();
    int n = nImg + t;
    int px = 3 * cfg.imageSize() * cfg.imageSize();
    float[] img = new float[b * px];
    long[] tok = new long[b * t];
    long[] pos = new long[b * t];
    boolean[][] valid = new boolean[b][t];
    int[][] positions = new int[b][t];
    for (int r = 0; r < b; r++) {
      if (images[r].length != px) {
        throw new IllegalArgumentException("image " + r + " has " + images[r].length
            + " values, expected " + px + " (3 x " + cfg.imageSize() + " x " + cfg.imageSize() + ")");
      }
      if (text[r].length != t) {
        throw new IllegalArgumentException("text rows must be padded to one length");
      }
      System.arraycopy(images[r], 0, img, r * px, px);
      int p = 0;
      for (int j = 0; j < t; j++) {
        int id = text[r][j];
        if (id < 0 || id >= cfg.vocab()) {
          throw new IllegalArgumentException(
              "token id " + id + " is outside the vocabulary [0, " + cfg.vocab() + ")");
        }
        tok[r * t + j] = id;
        valid[r][j] = id != 0;
        positions[r][j] = valid[r][j] ? p : 0;
        pos[r * t + j] = positions[r][j];
        if (valid[r][j]) {
          p++;
        }
      }
      if (p > cfg.maxText()) {
        throw new IllegalArgumentException(
            "text of " + p + " tokens exceeds the model's maxText " + cfg.maxText());
      }
    }
    boolean causal = cfg.mode() == VlmConfig.Mode.POLICY;
    float[] mask = new float[b * n * n];
    for (int r = 0; r < b; r++) {
      for (int q = 0; q < n; q++) {
        for (int k = 0; k < n; k++) {
          boolean keyOk = k < nImg || valid[r][k - nImg];
          // Image patches see each other both ways; a policy's text is causal.
          boolean visible = !causal || k <= q || (q < nImg && k < nImg);
          mask[(r * n + q) * n + k] = keyOk && visible ? 0f : TinyVlm.NEG_INF;
        }
      }
    }
    int s = cfg.imageSize();
    return new Inputs(
        m.create(img, new Shape(b, 3, s, s)),
        m.create(tok, new Shape(b, t)),
        m.create(pos, new Shape(b, t)),
        m.create(mask, new Shape(b, 1, n, n)),
        valid,
        positions);
  }

  /** Pads prompts on the left and suffixes on the right into one rectangular token matrix. */
  public static int[][] join(int[][] prompts, int[][] suffixes) {
    int maxPrompt = 0;
    int maxSuffix = 0;
    for (int i = 0; i < prompts.length; i++) {
      maxPrompt = Math.max(maxPrompt, prompts[i].length);
      maxSuffix = Math.max(maxSuffix, suffixes == null ? 0 : suffixes[i].length);
    }
    int[][] out = new int[prompts.length][maxPrompt + maxSuffix];
    for (int i = 0; i < prompts.length; i++) {
      System.arraycopy(prompts[i], 0, out[i], maxPrompt - prompts[i].length, prompts[i].length);
      if (suffixes != null) {
        System.arraycopy(suffixes[i], 0, out[i], maxPrompt, suffixes[i].length);
      }
    }
    return out;
  }
}
