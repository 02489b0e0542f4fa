package dev.perceval.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An SFT run stopped and resumed ends with exactly the weights of an uninterrupted one. */
class ResumeTest {
  @TempDir Path tmp;

  @Test
  void resumedRunMatchesUninterruptedRun() throws IOException {
    String[] tiny = BadInputTest.TINY;
    Path straight = tmp.resolve("straight");
    Path resumed = tmp.resolve("resumed");
    assertEquals(0, BadInputTest.run(BadInputTest.with(
        new String[] {"sft", "--steps", "6", "--out", straight.toString()}, tiny)).status());
    assertEquals(0, BadInputTest.run(BadInputTest.with(
        new String[] {"sft", "--steps", "6", "--until", "3", "--out", resumed.toString()}, tiny)).status());
    assertEquals(0, BadInputTest.run(BadInputTest.with(
        new String[] {"sft", "--steps", "6", "--resume", "--out", resumed.toString()}, tiny)).status());
    for (String f : new String[] {"model.safetensors", "optimizer.safetensors"}) {
      assertArrayEquals(Files.readAllBytes(straight.resolve(f)), Files.readAllBytes(resumed.resolve(f)), f);
    }
    BadInputTest.Run again = BadInputTest.run(BadInputTest.with(
        new String[] {"sft", "--steps", "6", "--resume", "--out", resumed.toString()}, tiny));
    assertEquals(2, again.status());
  }
}
