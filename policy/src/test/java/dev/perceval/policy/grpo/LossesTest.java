package dev.perceval.policy.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.model.Torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LossesTest {
  static NDManager m;

  @BeforeAll
  static void setUp() {
    Torch.init();
    m = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    m.close();
  }

  private static NDArray row(float... v) {
    return m.create(v, new Shape(1, v.length));
  }

  private static float[] logs(double... ratios) {
    float[] out = new float[ratios.length];
    for (int i = 0; i < ratios.length; i++) {
      out[i] = (float) Math.log(ratios[i]);
    }
    return out;
  }

  @Test
  void clippedSurrogateMatchesAHandComputation() {
    // ratios 0.5, 1.0, 1.5, 1.1 with advantages +1, +1, +1, -1 (low 0.2, high 0.28, no dual clip)
    NDArray logp = row(logs(0.5, 1.0, 1.5, 1.1));
    NDArray old = row(0, 0, 0, 0);
    NDArray adv = row(1, 1, 1, -1);
    PolicyLoss.Result r = PolicyLoss.of(logp, old, adv, new PolicyLoss.Clip(0.2f, 0.28f, 0f));
    // A>0: max(-A r, -A clip(r)): r=0.5 -> max(-0.5, -0.8) = -0.5 (unclipped: pessimistic bound);
    // r=1.5 -> max(-1.5, -1.28) = -1.28 (clipped). A<0, r=1.1 -> max(1.1, 1.1) = 1.1.
    assertArrayEquals(new float[] {-0.5f, -1f, -1.28f, 1.1f}, r.loss().toFloatArray(), 1e-5f);
    assertArrayEquals(new float[] {0, 0, 1, 0}, r.clipped().toFloatArray(), 1e-6f);
  }

  @Test
  void clipLowBoundsNegativeAdvantagesFromBelowAndDualClipCapsTheLoss() {
    NDArray logp = row(logs(0.5, 5.0, 2.0));
    NDArray old = row(0, 0, 0);
    NDArray adv = row(-1, -1, -1);
    // r=0.5, A=-1: max(0.5, 0.8) = 0.8 (clip low active). r=5: max(5, 1.28) = 5, dual clip c=3 -> 3.
    // r=2: max(2, 1.28) = 2 < 3, untouched.
    PolicyLoss.Result r = PolicyLoss.of(logp, old, adv, PolicyLoss.Clip.defaults());
    assertArrayEquals(new float[] {0.8f, 3f, 2f}, r.loss().toFloatArray(), 1e-5f);
    assertArrayEquals(new float[] {1, 0, 0}, r.clipped().toFloatArray(), 1e-6f);
    assertArrayEquals(new float[] {0, 1, 0}, r.dualClipped().toFloatArray(), 1e-6f);
    // Dual clip never touches positive advantages.
    PolicyLoss.Result pos = PolicyLoss.of(row(logs(5.0)), row(0), row(1), PolicyLoss.Clip.defaults());
    assertArrayEquals(new float[] {-1.28f}, pos.loss().toFloatArray(), 1e-5f);
    assertArrayEquals(new float[] {0}, pos.dualClipped().toFloatArray(), 1e-6f);
  }

  @Test
  void klEstimatorsMatchTheirFormulas() {
    float lp = -1.0f;
    float ref = -1.5f;
    NDArray p = row(lp);
    NDArray q = row(ref);
    double d = lp - ref;
    assertEquals(d, KlEstimator.K1.apply(p, q).getFloat(0, 0), 1e-6);
    assertEquals(0.5 * d * d, KlEstimator.K2.apply(p, q).getFloat(0, 0), 1e-6);
    assertEquals(Math.exp(-d) + d - 1, KlEstimator.K3.apply(p, q).getFloat(0, 0), 1e-6);
    assertEquals(0, KlEstimator.K3.apply(p, p).getFloat(0, 0), 1e-7);
    assertEquals(KlEstimator.K3, KlEstimator.byName("k3"));
    assertThrows(IllegalArgumentException.class, () -> KlEstimator.byName("kl"));
  }

  /** Two sequences of lengths 2 and 3 (padded to 3) with per-token losses 1..5. */
  private static final float[] LOSSES = {1, 2, 0, 3, 4, 5};
  private static final int[] LENGTHS = {2, 3};

  private static double aggregate(LossAggregation mode, int horizon) {
    return mode.aggregate(m.create(LOSSES, new Shape(2, 3)), LENGTHS, LossAggregation.Norm.of(LENGTHS, horizon)).getFloat();
  }

  @Test
  void eachAggregationModeMatchesAHandComputation() {
    assertEquals((1 + 2 + 3 + 4 + 5) / 5.0, aggregate(LossAggregation.TOKEN_MEAN, 10), 1e-6);
    assertEquals(((1 + 2) / 2.0 + (3 + 4 + 5) / 3.0) / 2, aggregate(LossAggregation.SEQ_MEAN_TOKEN_MEAN, 10), 1e-6);
    assertEquals(((1 + 2) + (3 + 4 + 5)) / 2.0, aggregate(LossAggregation.SEQ_MEAN_TOKEN_SUM, 10), 1e-6);
    assertEquals(((1 + 2) + (3 + 4 + 5)) / (2.0 * 10), aggregate(LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM, 10), 1e-6);
    assertEquals(LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM, LossAggregation.byName("seq-mean-token-sum-norm"));
    assertThrows(IllegalArgumentException.class, () -> LossAggregation.byName("mean"));
  }

  @Test
  void splittingAnUpdateBatchIntoMicroBatchesLeavesEveryModeUnchanged() {
    for (LossAggregation mode : LossAggregation.values()) {
      LossAggregation.Norm norm = LossAggregation.Norm.of(LENGTHS, 10);
      double whole = aggregate(mode, 10);
      double first = mode.aggregate(m.create(new float[] {1, 2}, new Shape(1, 2)), new int[] {2}, norm).getFloat();
      double second = mode.aggregate(m.create(new float[] {3, 4, 5}, new Shape(1, 3)), new int[] {3}, norm).getFloat();
      assertEquals(whole, first + second, 1e-6, mode.label());
    }
  }
}
