package dev.perceval.prm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.perceval.policy.io.CheckpointException;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one way a verifier is opened: the oracle, or a checkpoint with its threshold and the policy's vocabulary. */
class VerifiersTest {
  @TempDir static Path dir;
  static World world;
  static Tokenizer tok;

  @BeforeAll
  static void setUp() {
    Torch.init();
    world = Worlds.create("shapes", WorldConfig.defaults().withImageSize(16));
    tok = Tokenizer.of(world.vocabulary());
  }

  private static Path save(String name, VlmConfig.Mode mode, Tokenizer t, Map<String, String> meta) {
    Path out = dir.resolve(name);
    try (TinyVlm m = new TinyVlm(new VlmConfig(16, 4, 4, 32, 1, 2, t.size(), 64, mode), Device.cpu(), 3)) {
      ModelCheckpoint.save(out, mode == VlmConfig.Mode.VERIFIER ? "verifier" : "policy", m, t, null, 0, Map.of(), meta);
    }
    return out;
  }

  @Test
  void theOracleNeedsNoCheckpointAndACheckpointBringsItsThreshold() {
    try (Verifiers.Opened o = Verifiers.open(Verifiers.ORACLE, world, tok, Device.cpu(), 8)) {
      assertInstanceOf(OracleVerifier.class, o.verifier());
      assertNull(o.model());
    }
    Path v = save("prm", VlmConfig.Mode.VERIFIER, tok, Map.of("world", "shapes", "threshold", "0.35"));
    try (Verifiers.Opened o = Verifiers.open(v.toString(), world, tok, Device.cpu(), 8)) {
      assertEquals(0.35f, ((PercevalVerifier) o.verifier()).threshold());
    }
    Verifiers.requireReadable(Verifiers.ORACLE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Verifiers.requireReadable(dir.resolve("none").toString()));
    assertTrue(e.getMessage().contains("verifier checkpoint"), e.getMessage());
    Path policy = save("not-a-verifier", VlmConfig.Mode.POLICY, tok, Map.of("world", "shapes"));
    e = assertThrows(IllegalArgumentException.class, () -> Verifiers.requireReadable(policy.toString()));
    assertTrue(e.getMessage().contains("holds a policy, expected a verifier"), e.getMessage());
  }

  @Test
  void aPolicyOrAnotherVocabularyIsRefused() {
    Path policy = save("policy", VlmConfig.Mode.POLICY, tok, Map.of("world", "shapes"));
    CheckpointException kind = assertThrows(CheckpointException.class,
        () -> Verifiers.open(policy.toString(), world, tok, Device.cpu(), 8));
    assertTrue(kind.getMessage().contains("holds a policy, expected a verifier"), kind.getMessage());
    Tokenizer other = Tokenizer.of(List.of("<think>", "</think>", "<answer>", "</answer>", "red", "blue"));
    Path foreign = save("foreign", VlmConfig.Mode.VERIFIER, other, Map.of("world", "shapes"));
    IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class,
        () -> Verifiers.open(foreign.toString(), world, tok, Device.cpu(), 8));
    assertTrue(vocab.getMessage().contains("use different vocabularies"), vocab.getMessage());
  }

  @Test
  void aHeaderIsReadWithoutTheWeights() throws IOException {
    Path v = save("header", VlmConfig.Mode.VERIFIER, tok, Map.of("world", "shapes"));
    try (RandomAccessFile f = new RandomAccessFile(v.resolve("model.safetensors").toFile(), "rw")) {
      f.seek(100);
      f.write(f.read() ^ 0xFF);
    }
    ModelCheckpoint.Header h = ModelCheckpoint.header(v, "verifier");
    assertEquals("shapes", h.world());
    assertEquals(16, h.imageSize());
    assertEquals(tok, h.tokenizer());
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> ModelCheckpoint.load(v, "verifier", Device.cpu()));
    assertTrue(e.getMessage().contains("model.safetensors fails its sha-256 check"), e.getMessage());
  }
}
