package dev.perceval.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.perceval.policy.model.Tensor;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with global-norm gradient clipping. Written out rather than taken from DJL because its
 * moment estimates must go into checkpoints, and DJL's optimizers keep them private. Weight
 * decay applies to matrices only (not biases, norms or 1-D vectors).
 */
public final class AdamW implements AutoCloseable {
  public record Hyper(float beta1, float beta2, float eps, float weightDecay, float gradClip) {
    public static Hyper defaults() {
      return new Hyper(0.9f, 0.95f, 1e-8f, 0.01f, 1.0f);
    }
  }

  private static final ai.djl.ndarray.index.NDIndex ALL = new ai.djl.ndarray.index.NDIndex("...");

  private final TinyVlm model;
  private final Hyper hyper;
  private final NDManager state;
  private final Map<String, NDArray> first = new LinkedHashMap<>();
  private final Map<String, NDArray> second = new LinkedHashMap<>();
  private long steps;

  public AdamW(TinyVlm model, Hyper hyper) {
    this.model = model;
    this.hyper = hyper;
    this.state = model.newSubManager();
    model.parameters().forEach((name, p) -> {
      first.put(name, state.zeros(p.getShape(), DataType.FLOAT32));
      second.put(name, state.zeros(p.getShape(), DataType.FLOAT32));
    });
  }

  public long steps() {
    return steps;
  }

  /**
   * Applies one update from the gradients currently held by the parameters, then zeroes them.
   * Returns the gradient norm before clipping.
   */
  public double step(float lr) {
    Torch.noGrad();
    steps++;
    try (NDManager tmp = model.newSubManager()) {
      Map<String, NDArray> grads = new LinkedHashMap<>();
      double sq = 0;
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        if (!e.getValue().hasGradient()) {
          continue; // frozen: no gradient and no update
        }
        NDArray g = e.getValue().getGradient();
        g.attach(tmp);
        grads.put(e.getKey(), g);
        sq += g.square().sum().getFloat();
      }
      double norm = Math.sqrt(sq);
      if (!Double.isFinite(norm)) {
        grads.values().forEach(g -> g.subi(g));
        throw new IllegalStateException("gradient norm is " + norm + " at step " + steps
            + ": refusing to update (lower the learning rate)");
      }
      float clip = hyper.gradClip() > 0 && norm > hyper.gradClip()
          ? (float) (hyper.gradClip() / (norm + 1e-6)) : 1f;
      float bc1 = (float) (1 - Math.pow(hyper.beta1(), steps));
      float bc2 = (float) (1 - Math.pow(hyper.beta2(), steps));
      for (Map.Entry<String, NDArray> e : grads.entrySet()) {
        NDArray p = model.parameters().get(e.getKey());
        NDArray g = e.getValue();
        NDArray m = first.get(e.getKey());
        NDArray v = second.get(e.getKey());
        m.muli(hyper.beta1()).addi(g.mul(clip * (1 - hyper.beta1())));
        v.muli(hyper.beta2()).addi(g.square().mul(clip * clip * (1 - hyper.beta2())));
        NDArray mHat = inTmp(tmp, m.div(bc1));
        NDArray denom = inTmp(tmp, v.div(bc2)).sqrt().add(hyper.eps());
        if (p.getShape().dimension() >= 2 && hyper.weightDecay() > 0) {
          p.muli(1 - lr * hyper.weightDecay());
        }
        p.subi(mHat.div(denom).mul(lr));
        g.subi(g);
      }
      return norm;
    }
  }

  private static NDArray inTmp(NDManager tmp, NDArray a) {
    a.attach(tmp);
    return a;
  }

  /** Moments as named tensors ({@code m/NAME}, {@code v/NAME}) for checkpoints. */
  public Map<String, Tensor> exportState() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    first.forEach((k, a) -> out.put("m/" + k, Tensor.of(a)));
    second.forEach((k, a) -> out.put("v/" + k, Tensor.of(a)));
    return out;
  }

  public void importState(Map<String, Tensor> tensors, long steps) {
    Torch.noGrad();
    for (String k : first.keySet()) {
      Tensor m = tensors.get("m/" + k);
      Tensor v = tensors.get("v/" + k);
      if (m == null || v == null || !m.fits(first.get(k)) || !v.fits(second.get(k))) {
        throw new IllegalArgumentException("optimizer state for '" + k + "' is missing or has the wrong shape");
      }
      try (NDManager tmp = state.newSubManager()) {
        first.get(k).set(ALL, tmp.create(m.data(), first.get(k).getShape()));
        second.get(k).set(ALL, tmp.create(v.data(), second.get(k).getShape()));
      }
    }
    this.steps = steps;
  }

  @Override
  public void close() {
    state.close();
  }
}
