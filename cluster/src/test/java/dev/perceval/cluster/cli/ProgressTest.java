package dev.perceval.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.Test;

/** Off a terminal a bar writes a handful of whole lines, not carriage-return frames. */
class ProgressTest {
  static final int STEPS = 400;

  /** Steps slowly enough that the bar refreshes many times, as it does over a real run. */
  static void run(ProgressBar bar) throws InterruptedException {
    try (bar) {
      for (int i = 0; i < STEPS; i++) {
        bar.step();
        bar.setExtraMessage(" loss " + (STEPS - i));
        Thread.sleep(1);
      }
    }
  }

  static String text(ByteArrayOutputStream bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void plainBarWritesAFewWholeLines() throws InterruptedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    run(Progress.plainBar("sft", STEPS, new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofMillis(5)));
    String out = text(bytes);
    assertFalse(out.contains("\r"), out);
    List<String> lines = out.lines().toList();
    // the start, each tenth of the way, and the end once more only if its message changed after the last tenth
    assertTrue(lines.size() >= 3 && lines.size() <= 12, out);
    assertTrue(lines.get(0).startsWith("sft "), out);
    String last = lines.get(lines.size() - 1);
    assertTrue(last.startsWith("sft 400/400 (100%) "), out);
    assertTrue(last.endsWith(" loss 1"), out);
  }

  @Test
  void withoutATerminalTheCliBarIsPlain() throws InterruptedException {
    // a forked test JVM has its stdout piped, as a CLI writing to a log file does
    PrintStream stderr = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      run(Progress.bar("eval", STEPS));
    } finally {
      System.setErr(stderr);
    }
    String out = text(bytes);
    assertFalse(out.contains("\r"), out);
    List<String> lines = out.lines().toList();
    assertTrue(lines.size() >= 2 && lines.size() <= 12, out);
    assertEquals("eval 400/400 (100%)", lines.get(lines.size() - 1).substring(0, 19), out);
  }
}
