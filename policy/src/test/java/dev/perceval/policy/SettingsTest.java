package dev.perceval.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @TempDir Path tmp;

  @Test
  void referenceDefaultsLoad() {
    Settings s = Settings.defaults();
    assertEquals("digits", s.world().name());
    assertEquals(48, s.world().imageSize());
    assertEquals(0, s.world().imageSize() % s.model().patch());
  }

  @Test
  void layersApplyInOrder() throws IOException {
    Path file = tmp.resolve("a.conf");
    Files.writeString(file, "perceval { sft.steps = 11, seed = 3 }");
    Settings s = Settings.load(file, Map.of("sft.steps", 12));
    assertEquals(12, s.sft().steps());
    assertEquals(3, s.seed());
  }

  @Test
  void commandLineStringsAreReadAsValues() {
    Settings s = Settings.load(null, Map.of("world.families", "[sum,largest]", "sft.lr", "1e-3", "device", "gpu:0"));
    assertEquals(java.util.List.of("sum", "largest"), s.world().families());
    assertEquals(1e-3f, s.sft().lr());
    assertEquals("gpu:0", s.device());
  }

  @Test
  void badValuesNameTheirKey() throws IOException {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Settings.load(null, Map.of("sft.steps", -3)));
    assertEquals("config perceval.sft.steps must be at least 1, got -3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Settings.load(null, Map.of("eval.max-new-tokens", 0)));
    assertEquals("config perceval.eval.max-new-tokens must be at least 1, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Settings.load(null, Map.of("sft.lr", "fast")));
    assertTrue(e.getMessage().contains("sft.lr"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Settings.load(null, Map.of("world.image-size", 50)));
    assertTrue(e.getMessage().contains("multiple of perceval.model.patch"), e.getMessage());
    Path typo = tmp.resolve("typo.conf");
    Files.writeString(typo, "perceval.sft.stesp = 5");
    e = assertThrows(IllegalArgumentException.class, () -> Settings.load(typo, Map.of()));
    assertTrue(e.getMessage().endsWith("unknown key 'perceval.sft.stesp'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Settings.load(tmp.resolve("none.conf"), Map.of()));
    assertTrue(e.getMessage().contains("not found"), e.getMessage());
  }
}
