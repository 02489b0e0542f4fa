package dev.perceval.policy.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.TinyModels;
import dev.perceval.policy.model.TinyVlm;
import org.junit.jupiter.api.Test;

class SftTest {
  static final int VOCAB = 20;

  /** Responses that depend on the image, so the model must look at it to fit them. */
  private static int[][] responses(float[][] images) {
    int[][] out = new int[images.length][];
    for (int i = 0; i < images.length; i++) {
      double mean = 0;
      for (float v : images[i]) {
        mean += v;
      }
      int cls = mean / images[i].length > 0.5 ? 5 : 6;
      out[i] = new int[] {cls, 3 + i % 2, 7};
    }
    return out;
  }

  @Test
  void teacherForcingLowersTheLossAndIsReproducible() {
    float[][] images = TinyModels.images(8, 16, 21);
    for (int i = 0; i < images.length; i++) {
      for (int j = 0; j < images[i].length; j++) {
        images[i][j] = i % 2 == 0 ? images[i][j] * 0.4f : 0.6f + images[i][j] * 0.4f;
      }
    }
    int[][] prompts = TinyModels.prompts(8, VOCAB, 22);
    int[][] responses = responses(images);
    double[] first = new double[2];
    float[] finalWeights = null;
    for (int run = 0; run < 2; run++) {
      try (TinyVlm model = TinyModels.model(VOCAB, 3);
          AdamW opt = new AdamW(model, AdamW.Hyper.defaults())) {
        Sft sft = new Sft(model, opt, new Schedule(1e-2f, 5, 60, 0.1f));
        double before = Sft.loss(model, images, prompts, responses);
        for (int s = 0; s < 60; s++) {
          sft.step(s, images, prompts, responses);
        }
        double after = Sft.loss(model, images, prompts, responses);
        assertTrue(after < before / 5, "loss " + before + " -> " + after);
        first[run] = after;
        float[] w = model.parameters().get("head.w").toFloatArray();
        if (finalWeights != null) {
          assertArrayEquals(finalWeights, w, "same seed, same weights");
        }
        finalWeights = w;
      }
    }
    assertEquals(first[0], first[1], 0.0);
  }

  @Test
  void scheduleWarmsUpThenDecaysToItsFloor() {
    Schedule s = new Schedule(1f, 10, 110, 0.1f);
    assertEquals(0.1f, s.at(0), 1e-6);
    assertEquals(1f, s.at(9), 1e-6);
    assertEquals(1f, s.at(10), 1e-6);
    assertEquals(0.55f, s.at(60), 1e-6);
    assertEquals(0.1f, s.at(110), 1e-6);
  }
}
