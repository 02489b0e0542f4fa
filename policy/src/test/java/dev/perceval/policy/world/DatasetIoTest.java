package dev.perceval.policy.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetIoTest {
  @TempDir Path tmp;

  private List<Task> tasks(String world, int n) {
    World w = Worlds.create(world, WorldConfig.defaults());
    List<Task> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(w.task(Split.HELDOUT, 5, i));
    }
    return out;
  }

  @Test
  void exportThenLoadRoundTrips() {
    for (String world : List.of("digits", "shapes")) {
      List<Task> tasks = tasks(world, 5);
      Path dir = tmp.resolve(world);
      DatasetIo.export(tasks, dir);
      List<Task> back = DatasetIo.load(dir.resolve("data.jsonl"), 48);
      assertEquals(tasks.size(), back.size());
      for (int i = 0; i < tasks.size(); i++) {
        Task a = tasks.get(i);
        Task b = back.get(i);
        assertEquals(a.id(), b.id());
        assertEquals(a.question(), b.question());
        assertEquals(a.answer(), b.answer());
        assertEquals(a.goldResponse(), b.goldResponse());
        assertEquals(a.facts(), b.facts());
        assertArrayEquals(a.image(), b.image(), 1f / 255 + 1e-6f);
      }
    }
  }

  @Test
  void imagesOfAnotherSizeAreResized() throws IOException {
    DatasetIo.export(tasks("digits", 1), tmp.resolve("d"));
    assertEquals(3 * 32 * 32, DatasetIo.load(tmp.resolve("d/data.jsonl"), 32).get(0).image().length);
  }

  @Test
  void exportRefusesANonEmptyDirectoryAndLeavesNothingBehind() throws IOException {
    Path dir = tmp.resolve("full");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("keep.txt"), "mine");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DatasetIo.export(tasks("digits", 1), dir));
    assertTrue(e.getMessage().contains("exists and is not empty"));
    assertEquals("mine", Files.readString(dir.resolve("keep.txt")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".")));
    }
  }

  private String error(String... lines) throws IOException {
    if (!Files.exists(tmp.resolve("imgs"))) {
      DatasetIo.export(tasks("digits", 1), tmp.resolve("imgs"));
    }
    Path f = tmp.resolve("imgs/bad.jsonl");
    Files.write(f, List.of(lines));
    return assertThrows(DatasetException.class, () -> DatasetIo.load(f, 48)).getMessage();
  }

  @Test
  void badLinesNameFileLineAndProblem() throws IOException {
    String ok = "{\"image\":\"images/000000.png\",\"question\":\"q ?\",\"answer\":\"1\"}";
    assertEquals("bad.jsonl:2: malformed JSON (Unexpected character ('n' (code 110)): was expecting double-quote to start field name)",
        error(ok, "{not json"));
    assertEquals("bad.jsonl:1: missing field 'question'", error("{\"image\":\"images/000000.png\",\"answer\":\"1\"}"));
    assertEquals("bad.jsonl:1: image 'images/nope.png' not found",
        error("{\"image\":\"images/nope.png\",\"question\":\"q\",\"answer\":\"1\"}"));
    Files.writeString(tmp.resolve("imgs/fake.png"), "not an image");
    assertEquals("bad.jsonl:1: cannot decode image 'fake.png' (not a PNG or JPEG)",
        error("{\"image\":\"fake.png\",\"question\":\"q\",\"answer\":\"1\"}"));
    assertEquals("bad.jsonl:1: bad fact (grid position out of range: row 5, col 0)",
        error("{\"image\":\"images/000000.png\",\"question\":\"q\",\"answer\":\"1\",\"facts\":"
            + "[{\"kind\":\"digit\",\"value\":\"3\",\"colour\":\"red\",\"row\":5,\"col\":0}]}"));
    assertEquals("bad.jsonl: the file holds no tasks", error("", "  "));
    assertEquals("bad.jsonl:1: expected a JSON object", error("[1,2]"));
  }
}
