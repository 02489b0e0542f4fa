package dev.perceval.policy.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.perceval.policy.TinyModels;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Schedule;
import dev.perceval.policy.train.Sft;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  @TempDir Path tmp;

  private static Tokenizer tokenizer() {
    return Tokenizer.of(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
        "m", "n", "o", "p", "q", "<think>", "</think>", "<answer>"));
  }

  private Path saveTrained(Path dir) {
    Tokenizer tok = tokenizer();
    try (TinyVlm model = TinyModels.model(tok.size(), 5);
        AdamW opt = new AdamW(model, AdamW.Hyper.defaults())) {
      new Sft(model, opt, new Schedule(1e-3f, 1, 3, 1f)).step(0,
          TinyModels.images(2, 16, 1), TinyModels.prompts(2, tok.size(), 1), new int[][] {{4, 5}, {6}});
      ModelCheckpoint.save(dir, "policy", model, tok, opt, 1, Map.of("data", 42L), Map.of("world", "digits"));
    }
    return dir;
  }

  @Test
  void roundTripRestoresEverything() {
    Path dir = saveTrained(tmp.resolve("ckpt"));
    Tokenizer tok = tokenizer();
    ModelCheckpoint.Loaded a = ModelCheckpoint.load(dir, "policy", Device.cpu());
    try (TinyVlm model = a.model(); AdamW opt = new AdamW(model, AdamW.Hyper.defaults())) {
      assertEquals(tok, a.tokenizer());
      assertEquals(1, a.step());
      assertEquals(42L, a.rng().get("data"));
      assertEquals("digits", a.meta().get("world"));
      a.restore(opt);
      assertEquals(1, opt.steps());
      Path again = tmp.resolve("again");
      ModelCheckpoint.save(again, "policy", model, tok, opt, 1, a.rng(), a.meta());
      for (String f : List.of("model.safetensors", "optimizer.safetensors", "tokenizer.json")) {
        assertArrayEquals(bytes(dir.resolve(f)), bytes(again.resolve(f)), f);
      }
    }
  }

  @Test
  void overwritingReplacesAtomicallyAndLeavesNoTemporaries() throws IOException {
    Path dir = saveTrained(tmp.resolve("ckpt"));
    saveTrained(dir);
    try (Stream<Path> list = Files.list(tmp)) {
      assertEquals(List.of("ckpt"), list.map(p -> p.getFileName().toString()).toList());
    }
    ModelCheckpoint.load(dir, "policy", Device.cpu()).model().close();
  }

  @Test
  void aWriteRemovesTheTemporaryDirectoryOfAWriterKilledMidWrite() throws IOException {
    Path killed = tmp.resolve(".ckpt.tmp-12345");
    Files.createDirectories(killed.resolve("half"));
    Files.writeString(killed.resolve("half/model.safetensors"), "partial");
    Path dir = saveTrained(tmp.resolve("ckpt"));
    assertFalse(Files.exists(killed));
    assertTrue(Files.exists(dir.resolve(Checkpoint.MANIFEST)));
  }

  @Test
  void corruptionIsDetected() throws IOException {
    Path dir = saveTrained(tmp.resolve("ckpt"));
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("model.safetensors").toFile(), "rw")) {
      f.seek(100);
      int b = f.read();
      f.seek(100);
      f.write(b ^ 0xFF);
    }
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> ModelCheckpoint.load(dir, "policy", Device.cpu()));
    assertTrue(e.getMessage().contains("model.safetensors fails its sha-256 check"), e.getMessage());
  }

  @Test
  void truncationAndMissingFilesAreDetected() throws IOException {
    Path dir = saveTrained(tmp.resolve("ckpt"));
    byte[] all = bytes(dir.resolve("optimizer.safetensors"));
    Files.write(dir.resolve("optimizer.safetensors"), java.util.Arrays.copyOf(all, all.length / 2));
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> ModelCheckpoint.load(dir, "policy", Device.cpu()));
    assertTrue(e.getMessage().contains("truncated or modified"), e.getMessage());
    Files.delete(dir.resolve(Checkpoint.MANIFEST));
    e = assertThrows(CheckpointException.class, () -> ModelCheckpoint.load(dir, "policy", Device.cpu()));
    assertTrue(e.getMessage().contains("manifest.json is missing"), e.getMessage());
    e = assertThrows(CheckpointException.class,
        () -> ModelCheckpoint.load(tmp.resolve("nowhere"), "policy", Device.cpu()));
    assertTrue(e.getMessage().contains("no such directory"), e.getMessage());
  }

  @Test
  void aFailedWriteLeavesTheOldCheckpointIntact() throws IOException {
    Path dir = saveTrained(tmp.resolve("ckpt"));
    byte[] before = bytes(dir.resolve("model.safetensors"));
    assertThrows(CheckpointException.class, () -> Checkpoint.write(dir, d -> {
      Files.writeString(d.resolve("partial.bin"), "x");
      throw new IOException("disk full");
    }));
    assertArrayEquals(before, bytes(dir.resolve("model.safetensors")));
    try (Stream<Path> list = Files.list(tmp)) {
      assertFalse(list.anyMatch(p -> p.getFileName().toString().startsWith(".")));
    }
  }

  @Test
  void aCheckpointInThePreSafetensorsFormatIsRefusedWithWhatToDo() {
    Path dir = saveTrained(tmp.resolve("ckpt"));
    Path old = tmp.resolve("old");
    Checkpoint.write(old, d -> {
      for (String f : List.of("config.json", "tokenizer.json", "rng.json")) {
        Files.copy(dir.resolve(f), d.resolve(f));
      }
      Files.write(d.resolve("params.bin"), new byte[] {0x50, 0x52, 0x43, 0x56, 0, 0, 0, 1, 0, 0, 0, 0});
    });
    for (var read : List.<Runnable>of(() -> ModelCheckpoint.header(old, "policy"),
        () -> ModelCheckpoint.load(old, "policy", Device.cpu()))) {
      CheckpointException e = assertThrows(CheckpointException.class, read::run);
      assertEquals("checkpoint " + old + " is in the pre-safetensors format (params.bin), which this version"
          + " no longer reads; retrain it to get model.safetensors", e.getMessage());
    }
  }

  private static byte[] bytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }
}
