package dev.perceval.policy.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.TinyModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TinyVlmLoadTest {
  @Test
  void weightsWithoutThePerceptionHeadLoadAndKeepItsInitialisation() {
    try (TinyVlm source = TinyModels.model(20, 1); TinyVlm target = TinyModels.model(20, 2)) {
      Map<String, Tensor> saved = source.export();
      saved.remove("percept.w");
      saved.remove("percept.b");
      float[] freshHead = target.export().get("percept.w").data();
      target.load(saved);
      assertArrayEquals(saved.get("head.w").data(), target.export().get("head.w").data());
      assertArrayEquals(freshHead, target.export().get("percept.w").data());
    }
  }

  @Test
  void anyOtherMissingOrMisshapenParameterIsAnError() {
    try (TinyVlm model = TinyModels.model(20, 1)) {
      Map<String, Tensor> saved = model.export();
      saved.remove("h0.qkv.w");
      assertEquals("missing parameter 'h0.qkv.w'",
          assertThrows(IllegalArgumentException.class, () -> model.load(saved)).getMessage());
      Map<String, Tensor> wrong = model.export();
      wrong.put("lnf.g", new Tensor(new long[] {3}, new float[3]));
      assertThrows(IllegalArgumentException.class, () -> model.load(wrong));
      Map<String, Tensor> transposed = model.export();
      long[] s = transposed.get("head.w").shape();
      transposed.put("head.w", new Tensor(new long[] {s[1], s[0]}, transposed.get("head.w").data()));
      assertTrue(assertThrows(IllegalArgumentException.class, () -> model.load(transposed)).getMessage()
          .contains("parameter 'head.w' has shape [" + s[1] + ", " + s[0] + "]"));
    }
  }
}
