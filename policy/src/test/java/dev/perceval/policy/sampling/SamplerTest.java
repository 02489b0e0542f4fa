package dev.perceval.policy.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.perceval.policy.TinyModels;
import dev.perceval.policy.model.TinyVlm;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplerTest {
  static final int VOCAB = 30;
  static final int STOP = 7;
  static TinyVlm model;

  @BeforeAll
  static void setUp() {
    model = TinyModels.model(VOCAB, 11);
  }

  @AfterAll
  static void tearDown() {
    model.close();
  }

  private static long[] seeds(int n) {
    long[] s = new long[n];
    Arrays.setAll(s, i -> 100 + i);
    return s;
  }

  @Test
  void kvCacheGivesTheSameTokensAsFullRecomputeAtTemperatureZero() {
    int n = 6;
    float[][] images = TinyModels.images(n, 16, 1);
    int[][] prompts = TinyModels.prompts(n, VOCAB, 2);
    SamplingParams greedy = SamplingParams.greedy(20);
    List<Generation> cached = Sampler.generate(model, STOP, images, prompts, seeds(n), greedy);
    List<Generation> full = Sampler.generate(model, STOP, images, prompts, seeds(n), greedy.withCache(false));
    for (int i = 0; i < n; i++) {
      assertArrayEquals(full.get(i).tokens(), cached.get(i).tokens(), "row " + i);
      assertArrayEquals(full.get(i).logProbs(), cached.get(i).logProbs(), 1e-4f, "row " + i);
    }
  }

  @Test
  void sampledRowsDoNotDependOnTheirBatchMates() {
    float[][] images = TinyModels.images(4, 16, 3);
    int[][] prompts = TinyModels.prompts(4, VOCAB, 4);
    SamplingParams p = SamplingParams.sample(1.0f, 0.9f, 12);
    List<Generation> all = Sampler.generate(model, STOP, images, prompts, seeds(4), p);
    List<Generation> alone = Sampler.generate(model, STOP, new float[][] {images[2]},
        new int[][] {prompts[2]}, new long[] {seeds(4)[2]}, p);
    assertArrayEquals(all.get(2).tokens(), alone.get(0).tokens());
  }

  @Test
  void recomputedLogProbsEqualSamplingLogProbs() {
    int n = 5;
    float[][] images = TinyModels.images(n, 16, 5);
    int[][] prompts = TinyModels.prompts(n, VOCAB, 6);
    float temperature = 0.8f;
    List<Generation> gens = Sampler.generate(model, STOP, images, prompts, seeds(n),
        SamplingParams.sample(temperature, 1f, 15));
    int[][] responses = gens.stream().map(Generation::tokens).toArray(int[][]::new);
    try (NDManager m = model.newSubManager()) {
      float[] lp = LogProbs.of(model, m, images, prompts, responses, temperature).toFloatArray();
      int width = LogProbs.longest(responses);
      for (int r = 0; r < n; r++) {
        for (int j = 0; j < responses[r].length; j++) {
          assertEquals(gens.get(r).logProbs()[j], lp[r * width + j], 1e-4, "row " + r + " token " + j);
        }
      }
    }
  }

  @Test
  void continuationFromAPrefixMatchesTheUninterruptedRun() {
    float[][] images = TinyModels.images(1, 16, 7);
    int[][] prompts = TinyModels.prompts(1, VOCAB, 8);
    SamplingParams greedy = SamplingParams.greedy(10);
    int[] whole = Sampler.generate(model, STOP, images, prompts, seeds(1), greedy).get(0).tokens();
    int cut = Math.min(4, whole.length - 1);
    int[] prefixed = new int[prompts[0].length + cut];
    System.arraycopy(prompts[0], 0, prefixed, 0, prompts[0].length);
    System.arraycopy(whole, 0, prefixed, prompts[0].length, cut);
    int[] rest = Sampler.generate(model, STOP, images, new int[][] {prefixed}, seeds(1),
        SamplingParams.greedy(10 - cut)).get(0).tokens();
    assertArrayEquals(Arrays.copyOfRange(whole, cut, whole.length), rest);
  }

  @Test
  void neverEmitsPaddingOrBeginToken() {
    float[][] images = TinyModels.images(8, 16, 9);
    int[][] prompts = TinyModels.prompts(8, VOCAB, 10);
    for (Generation g : Sampler.generate(model, STOP, images, prompts, seeds(8),
        SamplingParams.sample(2.0f, 1f, 20))) {
      assertTrue(Arrays.stream(g.tokens()).allMatch(t -> t >= 2), Arrays.toString(g.tokens()));
    }
  }

  @Test
  void rejectsBadInput() {
    float[][] wrongSize = TinyModels.images(1, 8, 1);
    int[][] prompts = TinyModels.prompts(1, VOCAB, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Sampler.generate(model, STOP, wrongSize, prompts, seeds(1), SamplingParams.greedy(4)));
    assertTrue(e.getMessage().contains("expected 768"), e.getMessage());
    int[][] outside = {{1, VOCAB + 3}};
    e = assertThrows(IllegalArgumentException.class, () -> Sampler.generate(model, STOP,
        TinyModels.images(1, 16, 1), outside, seeds(1), SamplingParams.greedy(4)));
    assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SamplingParams.sample(1f, 0f, 4));
  }
}
