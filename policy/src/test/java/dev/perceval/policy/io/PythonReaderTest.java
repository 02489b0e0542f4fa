package dev.perceval.policy.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import dev.perceval.policy.TinyModels;
import dev.perceval.policy.grpo.PolicyWeights;
import dev.perceval.policy.model.Tensor;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Schedule;
import dev.perceval.policy.train.Sft;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint read back by a reader that shares no code with this project: a short Python
 * script that follows the safetensors description with the standard library (and numpy where
 * it is installed). What it reports must be what the model and the optimizer hold.
 */
class PythonReaderTest {
  @TempDir Path tmp;

  @Test
  void anIndependentReaderSeesTheShapesAndValuesOfEveryTensor() throws Exception {
    assumeTrue(python3(), "python3 is not installed");
    Tokenizer tok = Tokenizer.of(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"));
    VlmConfig withStem = new VlmConfig(16, 4, 4, 32, 2, 2, tok.size(), 48, VlmConfig.Mode.POLICY);
    Path dir = tmp.resolve("ckpt");
    try (TinyVlm model = new TinyVlm(withStem, Device.cpu(), 5);
        AdamW opt = new AdamW(model, AdamW.Hyper.defaults())) {
      new Sft(model, opt, new Schedule(1e-3f, 1, 3, 1f)).step(0,
          TinyModels.images(2, 16, 1), TinyModels.prompts(2, tok.size(), 1), new int[][] {{4, 5}, {6}});
      ModelCheckpoint.save(dir, "policy", model, tok, opt, 1, Map.of(), Map.of("world", "digits"));
      Path weights = dir.resolve(ModelCheckpoint.WEIGHTS);
      Path moments = dir.resolve(ModelCheckpoint.OPTIMIZER);
      JsonNode seen = python(weights, moments);

      JsonNode w = seen.path("files").path(weights.toString());
      assertEquals("pt", w.path("metadata").path("format").asText());
      assertEquals(0, w.path("data_start").asLong() % 8, "the data starts 8-byte aligned");
      assertEquals(new TreeSet<>(model.parameters().keySet()), names(w.path("tensors")));
      assertEquals(List.of(4L, 3L, 3L, 3L), shape(w.path("tensors").path("stem1.w")), "conv weights keep 4 axes");
      model.parameters().forEach((name, p) -> {
        JsonNode t = w.path("tensors").path(name);
        assertEquals(List.of(Arrays.stream(p.getShape().getShape()).boxed().toArray()), shape(t), name);
        compare(name, Tensor.of(p), t);
        float corner = p.get(new NDIndex(cornerOf(p))).getFloat();
        assertEquals(corner, (float) t.path("last_row").asDouble(), name + " is row-major");
      });

      JsonNode m = seen.path("files").path(moments.toString());
      Map<String, Tensor> state = opt.exportState();
      assertEquals(new TreeSet<>(state.keySet()), names(m.path("tensors")));
      state.forEach((name, t) -> {
        assertEquals(List.of(Arrays.stream(t.shape()).boxed().toArray()), shape(m.path("tensors").path(name)), name);
        compare(name, t, m.path("tensors").path(name));
      });
      assertArrayEquals(Files.readAllBytes(weights), PolicyWeights.of(1, model.export()).bytes(),
          "weight sync sends the bytes of model.safetensors");
      System.out.println("python reader (" + seen.path("reader").asText() + ") agrees on "
          + (state.size() + model.parameters().size()) + " tensors");
    }
  }

  private static void compare(String name, Tensor t, JsonNode seen) {
    double sum = 0;
    double abs = 0;
    for (float v : t.data()) {
      sum += v;
      abs += Math.abs(v);
    }
    assertEquals(sum, seen.path("sum").asDouble(), 1e-9 * abs + 1e-12, name + " sum");
    JsonNode head = seen.path("head");
    assertEquals(Math.min(4, t.data().length), head.size(), name);
    for (int i = 0; i < head.size(); i++) {
      assertEquals(t.data()[i], (float) head.get(i).asDouble(), name + "[" + i + "]");
    }
  }

  private static long[] cornerOf(NDArray p) {
    long[] at = new long[p.getShape().dimension()];
    at[0] = p.getShape().get(0) - 1;
    return at;
  }

  private static TreeSet<String> names(JsonNode tensors) {
    TreeSet<String> out = new TreeSet<>();
    tensors.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static List<Object> shape(JsonNode t) {
    return List.of(java.util.stream.StreamSupport.stream(t.path("shape").spliterator(), false)
        .map(JsonNode::asLong).toArray());
  }

  private static JsonNode python(Path... files) throws IOException, InterruptedException {
    Path script;
    try {
      script = Path.of(PythonReaderTest.class.getResource("/safetensors_reader.py").toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<String> cmd = new java.util.ArrayList<>(List.of("python3", script.toString()));
    Arrays.stream(files).map(Path::toString).forEach(cmd::add);
    Path err = Files.createTempFile("reader", ".err");
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the reader finishes");
    assertEquals(0, p.exitValue(), "the reader failed: " + Files.readString(err));
    Files.delete(err);
    return Checkpoint.JSON.readTree(new String(out, StandardCharsets.UTF_8));
  }

  private static boolean python3() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}
