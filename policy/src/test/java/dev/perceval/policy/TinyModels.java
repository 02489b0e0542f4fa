package dev.perceval.policy;

import ai.djl.Device;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;

/** Small, fast models and inputs shared by the tests. */
public final class TinyModels {
  private TinyModels() {}

  public static VlmConfig config(int vocab) {
    return new VlmConfig(16, 4, 0, 32, 2, 2, vocab, 48, VlmConfig.Mode.POLICY);
  }

  public static TinyVlm model(int vocab, long seed) {
    Torch.init();
    return new TinyVlm(config(vocab), Device.cpu(), seed);
  }

  public static float[][] images(int n, int size, long seed) {
    Rng rng = new Rng(seed);
    float[][] out = new float[n][3 * size * size];
    for (float[] img : out) {
      for (int i = 0; i < img.length; i++) {
        img[i] = (float) rng.nextDouble();
      }
    }
    return out;
  }

  /** Prompts of varying length: {@code <bos>} then random non-special ids. */
  public static int[][] prompts(int n, int vocab, long seed) {
    Rng rng = new Rng(seed);
    int[][] out = new int[n][];
    for (int i = 0; i < n; i++) {
      out[i] = new int[2 + rng.nextInt(6)];
      out[i][0] = 1;
      for (int j = 1; j < out[i].length; j++) {
        out[i][j] = 2 + rng.nextInt(vocab - 2);
      }
    }
    return out;
  }
}
