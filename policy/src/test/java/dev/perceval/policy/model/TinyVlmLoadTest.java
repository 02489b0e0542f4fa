package dev.perceval.policy.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.perceval.policy.TinyModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TinyVlmLoadTest {
  @Test
  void weightsWithoutThePerceptionHeadLoadAndKeepItsInitialisation() {
    try (TinyVlm source = TinyModels.model(20, 1); TinyVlm target = TinyModels.model(20, 2)) {
      Map<String, float[]> saved = source.export();
      saved.remove("percept.w");
      saved.remove("percept.b");
      float[] freshHead = target.export().get("percept.w");
      target.load(saved);
      assertArrayEquals(saved.get("head.w"), target.export().get("head.w"));
      assertArrayEquals(freshHead, target.export().get("percept.w"));
    }
  }

  @Test
  void anyOtherMissingOrMisshapenParameterIsAnError() {
    try (TinyVlm model = TinyModels.model(20, 1)) {
      Map<String, float[]> saved = model.export();
      saved.remove("h0.qkv.w");
      assertEquals("missing parameter 'h0.qkv.w'",
          assertThrows(IllegalArgumentException.class, () -> model.load(saved)).getMessage());
      Map<String, float[]> wrong = model.export();
      wrong.put("lnf.g", new float[3]);
      assertThrows(IllegalArgumentException.class, () -> model.load(wrong));
    }
  }
}
