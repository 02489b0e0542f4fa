package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A campaign's history as the console reads it from the CSV files its run writes. */
class ConsoleHistoryTest {
  @TempDir Path dir;

  @Test
  void theLastRowsOfTheNamedColumnsWithNullWhereARowHasNoNumber() throws Exception {
    Path csv = Files.writeString(dir.resolve("metrics.csv"), "step,timing_s/step,reward/mean\n"
        + "1,0.5,0.1\n2,,0.2\n3,0.7,NaN\n\nnot a row\n4,0.8," + "9".repeat(70_000) + "\n5,0.9,x\n");
    Map<String, Object> all = ConsoleRoutes.read(csv, List.of("reward/mean", "timing_s/step", "missing"), 100);
    assertEquals(List.of(1.0, 2.0, 3.0, 5.0), all.get("step"), "a row without a step number or over-long is skipped");
    assertEquals(Arrays.asList(0.1, 0.2, null, null), all.get("reward/mean"));
    assertEquals(Arrays.asList(0.5, null, 0.7, 0.9), all.get("timing_s/step"));
    assertEquals(Arrays.asList(null, null, null, null), all.get("missing"));
    assertEquals(false, all.get("truncated"));

    Map<String, Object> last = ConsoleRoutes.read(csv, List.of("reward/mean"), 2);
    assertEquals(List.of(5.0), last.get("step"), "the last two lines, one of which has no step number");
    assertEquals(true, last.get("truncated"));

    Map<String, Object> none = ConsoleRoutes.read(dir.resolve("eval.csv"), List.of("eval/accuracy"), 10);
    assertEquals(List.of(), none.get("step"), "a campaign without the file has empty series");
    assertEquals(List.of(), none.get("eval/accuracy"));
  }
}
