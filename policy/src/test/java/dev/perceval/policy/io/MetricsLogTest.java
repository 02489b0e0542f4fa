package dev.perceval.policy.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
  @TempDir Path dir;

  private static void run(Path file, long from, long to) {
    MetricsLog log = new MetricsLog(file, from);
    for (long s = from + 1; s <= to; s++) {
      log.append(s, Map.of("loss", (double) s));
    }
  }

  @Test
  void aFreshRunReplacesTheFileAndAResumeDropsTheStepsItRunsAgain() throws Exception {
    Path file = dir.resolve("metrics.csv");
    run(file, 0, 3);
    run(file, 0, 2);
    assertEquals(List.of("step,loss", "1,1.00000", "2,2.00000"), Files.readAllLines(file));

    run(file, 0, 5);
    // Resumed from the checkpoint at step 3: steps 4 and 5 are written again, once each.
    run(file, 3, 6);
    assertEquals(List.of("step,loss", "1,1.00000", "2,2.00000", "3,3.00000", "4,4.00000", "5,5.00000",
        "6,6.00000"), Files.readAllLines(file));
  }

  @Test
  void aRowWithoutAStepIsAnErrorNamingTheFile() throws Exception {
    Path file = dir.resolve("eval.csv");
    Files.writeString(file, "step,loss\n1,1.0\ngarbage\n");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new MetricsLog(file, 1));
    assertTrue(e.getMessage().contains("eval.csv") && e.getMessage().contains("garbage"), e.getMessage());
  }
}
