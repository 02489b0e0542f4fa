package dev.perceval.policy.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** The fused affine map gives the values and gradients of a matmul followed by a bias add. */
class AffineTest {
  @Test
  void matchesMatmulPlusBiasInValuesAndGradients() {
    Torch.init();
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(3);
      NDArray x = m.randomNormal(new Shape(4, 7, 16));
      NDArray w = m.randomNormal(new Shape(16, 24));
      NDArray b = m.randomNormal(new Shape(24));
      NDArray upstream = m.randomNormal(new Shape(4, 7, 24));
      float[][] fused = run(x, w, b, upstream, true);
      float[][] plain = run(x, w, b, upstream, false);
      String[] what = {"value", "d/dx", "d/dw", "d/db"};
      for (int i = 0; i < what.length; i++) {
        float worst = 0;
        for (int j = 0; j < fused[i].length; j++) {
          worst = Math.max(worst, Math.abs(fused[i][j] - plain[i][j]) / (1 + Math.abs(plain[i][j])));
        }
        assertTrue(worst < 1e-5, what[i] + " differs by " + worst);
      }
    }
  }

  private static float[][] run(NDArray x0, NDArray w0, NDArray b0, NDArray upstream, boolean fused) {
    NDArray x = x0.duplicate();
    NDArray w = w0.duplicate();
    NDArray b = b0.duplicate();
    for (NDArray a : new NDArray[] {x, w, b}) {
      a.setRequiresGradient(true);
    }
    try (GradientCollector g = x.getManager().getEngine().newGradientCollector()) {
      NDArray y = fused ? TinyVlm.affine(x, w, b) : x.matMul(w).add(b);
      g.backward(y.mul(upstream).sum());
      return new float[][] {y.toFloatArray(), x.getGradient().toFloatArray(), w.getGradient().toFloatArray(),
          b.getGradient().toFloatArray()};
    }
  }
}
