package dev.perceval.policy.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.TinyModels;
import org.junit.jupiter.api.Test;

/** The cache written in place holds what concatenating every step's keys would, past its first capacity too. */
class KvCacheTest {
  @Test
  void appendsMatchConcatenationBeyondTheInitialCapacity() {
    try (TinyVlm model = TinyModels.model(20, 1); TinyVlm.KvCache cache = new TinyVlm.KvCache(model);
        NDManager m = model.newSubManager()) {
      int layers = model.config().layers();
      long capacity = model.config().imageTokens() + model.config().maxText();
      NDArray[] reference = new NDArray[layers];
      NDArray[] latest = new NDArray[layers];
      float next = 0;
      // A prefill of 5 positions, then single steps until past twice the capacity.
      for (int step = 0; cache.length() <= 2 * capacity; step++) {
        long n = step == 0 ? 5 : 1;
        for (int l = 0; l < layers; l++) {
          float[] v = new float[(int) (2 * 3 * n * 4)];
          for (int i = 0; i < v.length; i++) {
            v[i] = next++;
          }
          NDArray fresh = m.create(v, new Shape(2, 3, n, 4));
          reference[l] = reference[l] == null ? fresh : NDArrays.concat(new NDList(reference[l], fresh), 2);
          latest[l] = cache.appendKeys(l, fresh);
          cache.appendValues(l, fresh);
        }
      }
      for (int l = 0; l < layers; l++) {
        assertEquals(reference[l].getShape(), latest[l].getShape());
        assertArrayEquals(reference[l].toFloatArray(), latest[l].toFloatArray(), 0f, "layer " + l);
      }
      assertEquals(reference[0].getShape().get(2), cache.length());
    }
  }
}
