package dev.perceval.policy.model;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;

/**
 * A float tensor off the device: its shape and its values in row-major order. What checkpoints
 * and weight sync carry, so a reader outside Java sees a linear weight as the matrix it is.
 */
public record Tensor(long[] shape, float[] data) {
  public Tensor {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    if (n != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
          + " values, not " + data.length);
    }
  }

  public static Tensor of(NDArray a) {
    return new Tensor(a.getShape().getShape(), a.toFloatArray());
  }

  /** Whether this tensor has the shape of {@code a}. */
  public boolean fits(NDArray a) {
    return Arrays.equals(shape, a.getShape().getShape());
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
