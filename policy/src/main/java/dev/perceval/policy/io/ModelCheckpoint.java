package dev.perceval.policy.io;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files of a model checkpoint: {@code config.json} (model shape, step, free-form metadata),
 * {@code tokenizer.json}, {@code params.bin}, optionally {@code optimizer.bin}, and
 * {@code rng.json} (named generator states, e.g. the data cursor's), all under one manifest.
 */
public final class ModelCheckpoint {
  private ModelCheckpoint() {}

  /** What a loaded checkpoint holds; the caller owns (closes) the model. */
  public record Loaded(String kind, TinyVlm model, Tokenizer tokenizer, long step,
      Map<String, Long> rng, Map<String, String> meta, Map<String, float[]> optimizerState,
      long optimizerSteps) {

    /** Restores the saved moments into {@code optimizer}, if the checkpoint has them. */
    public void restore(AdamW optimizer) {
      if (optimizerState != null) {
        optimizer.importState(optimizerState, optimizerSteps);
      }
    }
  }

  public static void save(Path dir, String kind, TinyVlm model, Tokenizer tokenizer,
      AdamW optimizer, long step, Map<String, Long> rng, Map<String, String> meta) {
    Map<String, float[]> params = model.export();
    Map<String, float[]> opt = optimizer == null ? null : optimizer.exportState();
    Checkpoint.write(dir, tmp -> {
      ObjectNode config = Checkpoint.JSON.createObjectNode();
      config.put("kind", kind);
      config.put("step", step);
      config.set("model", Checkpoint.JSON.valueToTree(model.config()));
      config.put("optimizerSteps", optimizer == null ? 0 : optimizer.steps());
      config.set("meta", Checkpoint.JSON.valueToTree(meta));
      Files.writeString(tmp.resolve("config.json"),
          Checkpoint.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
      tokenizer.save(tmp.resolve("tokenizer.json"));
      TensorFile.write(tmp.resolve("params.bin"), params);
      if (opt != null) {
        TensorFile.write(tmp.resolve("optimizer.bin"), opt);
      }
      Files.writeString(tmp.resolve("rng.json"), Checkpoint.JSON.writeValueAsString(rng));
    });
  }

  public static Loaded load(Path dir, Device device) {
    JsonNode files = Checkpoint.verify(dir);
    for (String required : new String[] {"config.json", "tokenizer.json", "params.bin", "rng.json"}) {
      if (!files.has(required)) {
        throw new CheckpointException("checkpoint " + dir + ": the manifest lists no " + required);
      }
    }
    try {
      JsonNode config = Checkpoint.JSON.readTree(dir.resolve("config.json").toFile());
      VlmConfig shape = Checkpoint.JSON.treeToValue(config.path("model"), VlmConfig.class);
      Tokenizer tokenizer = Tokenizer.load(dir.resolve("tokenizer.json"));
      if (tokenizer.size() != shape.vocab()) {
        throw new CheckpointException("checkpoint " + dir + ": tokenizer has " + tokenizer.size()
            + " words but the model expects " + shape.vocab());
      }
      Map<String, float[]> params = TensorFile.read(dir.resolve("params.bin"));
      TinyVlm model = new TinyVlm(shape, device, 0);
      try {
        model.load(params);
      } catch (IllegalArgumentException e) {
        model.close();
        throw new CheckpointException("checkpoint " + dir + ": " + e.getMessage());
      }
      Map<String, float[]> opt = files.has("optimizer.bin")
          ? TensorFile.read(dir.resolve("optimizer.bin")) : null;
      Map<String, Long> rng = new LinkedHashMap<>();
      Checkpoint.JSON.readTree(dir.resolve("rng.json").toFile())
          .fields().forEachRemaining(e -> rng.put(e.getKey(), e.getValue().asLong()));
      Map<String, String> meta = new LinkedHashMap<>();
      config.path("meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
      return new Loaded(config.path("kind").asText(), model, tokenizer, config.path("step").asLong(),
          rng, meta, opt, config.path("optimizerSteps").asLong());
    } catch (IOException | IllegalArgumentException e) {
      throw new CheckpointException("checkpoint " + dir + ": unreadable (" + e.getMessage() + ")", e);
    }
  }
}
