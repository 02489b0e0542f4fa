package dev.perceval.policy.io;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perceval.policy.model.Tensor;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.perceval.policy.world.World;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files of a model checkpoint: {@code config.json} (model shape, step, free-form metadata),
 * {@code tokenizer.json}, {@code model.safetensors}, optionally {@code optimizer.safetensors}
 * (AdamW's moments as {@code m/NAME} and {@code v/NAME}), and {@code rng.json} (named generator
 * states, e.g. the data cursor's), all under one manifest.
 */
public final class ModelCheckpoint {
  /** The weights, named as Hugging Face names them so that its tools find them. */
  public static final String WEIGHTS = "model.safetensors";
  public static final String OPTIMIZER = "optimizer.safetensors";
  /** What checkpoints held before they were safetensors; recognised only to refuse it clearly. */
  private static final String OLD_WEIGHTS = "params.bin";

  private ModelCheckpoint() {}

  /**
   * What {@code config.json} and {@code tokenizer.json} say, read without the weights: enough to
   * build a world, tokenize a question or check two models' vocabularies.
   */
  public record Header(Path dir, String kind, VlmConfig shape, Tokenizer tokenizer, long step,
      Map<String, String> meta, long optimizerSteps) {
    public int imageSize() {
      return shape.imageSize();
    }

    /** The world the model was trained on, as its metadata names it. */
    public String world() {
      String w = meta.get("world");
      if (w == null || w.isBlank()) {
        throw new CheckpointException("checkpoint " + dir + " does not name the world it was trained on"
            + " (meta.world in config.json)");
      }
      return w;
    }

    /** Refuses a policy that cannot write every word of {@code world}. */
    public void requireVocabulary(World world) {
      for (String w : world.vocabulary()) {
        if (!tokenizer.contains(w)) {
          throw new IllegalArgumentException(kind + " " + dir + " cannot write world " + world.name()
              + ": its vocabulary lacks '" + w + "'");
        }
      }
    }
  }

  /** What a loaded checkpoint holds; the caller owns (closes) the model. */
  public record Loaded(Header header, TinyVlm model, Map<String, Long> rng, Map<String, Tensor> optimizerState) {
    public String kind() {
      return header.kind();
    }

    public Tokenizer tokenizer() {
      return header.tokenizer();
    }

    public long step() {
      return header.step();
    }

    public Map<String, String> meta() {
      return header.meta();
    }

    /** Restores the saved moments into {@code optimizer}, if the checkpoint has them. */
    public void restore(AdamW optimizer) {
      if (optimizerState != null) {
        optimizer.importState(optimizerState, header.optimizerSteps());
      }
    }
  }

  public static void save(Path dir, String kind, TinyVlm model, Tokenizer tokenizer,
      AdamW optimizer, long step, Map<String, Long> rng, Map<String, String> meta) {
    Map<String, Tensor> params = model.export();
    Map<String, Tensor> opt = optimizer == null ? null : optimizer.exportState();
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
      SafeTensors.write(tmp.resolve(WEIGHTS), params);
      if (opt != null) {
        SafeTensors.write(tmp.resolve(OPTIMIZER), opt);
      }
      Files.writeString(tmp.resolve("rng.json"), Checkpoint.JSON.writeValueAsString(rng));
    });
  }

  private static final List<String> HEADER_FILES = List.of("config.json", "tokenizer.json");

  /** The header of the checkpoint at {@code dir}, which must hold a {@code kind} ("policy", "verifier"). */
  public static Header header(Path dir, String kind) {
    Header h = readHeader(dir, Checkpoint.verify(dir, HEADER_FILES::contains));
    if (!kind.equals(h.kind())) {
      throw new CheckpointException("checkpoint " + dir + " holds a " + h.kind() + ", expected a " + kind);
    }
    return h;
  }

  /** The whole checkpoint at {@code dir}, which must hold a {@code kind}; weights on {@code device}. */
  public static Loaded load(Path dir, String kind, Device device) {
    JsonNode files = Checkpoint.verify(dir, f -> true);
    Header h = readHeader(dir, files);
    if (!kind.equals(h.kind())) {
      throw new CheckpointException("checkpoint " + dir + " holds a " + h.kind() + ", expected a " + kind);
    }
    try {
      Map<String, Tensor> params = SafeTensors.read(dir.resolve(WEIGHTS));
      TinyVlm model = new TinyVlm(h.shape(), device, 0);
      try {
        model.load(params);
      } catch (IllegalArgumentException e) {
        model.close();
        throw new CheckpointException("checkpoint " + dir + ": " + e.getMessage());
      }
      Map<String, Tensor> opt = files.has(OPTIMIZER) ? SafeTensors.read(dir.resolve(OPTIMIZER)) : null;
      Map<String, Long> rng = new LinkedHashMap<>();
      Checkpoint.JSON.readTree(dir.resolve("rng.json").toFile())
          .fields().forEachRemaining(e -> rng.put(e.getKey(), e.getValue().asLong()));
      return new Loaded(h, model, rng, opt);
    } catch (IOException | IllegalArgumentException e) {
      throw new CheckpointException("checkpoint " + dir + ": unreadable (" + e.getMessage() + ")", e);
    }
  }

  private static Header readHeader(Path dir, JsonNode files) {
    if (files.has(OLD_WEIGHTS) && !files.has(WEIGHTS)) {
      throw new CheckpointException("checkpoint " + dir + " is in the pre-safetensors format (" + OLD_WEIGHTS
          + "), which this version no longer reads; retrain it to get " + WEIGHTS);
    }
    for (String required : new String[] {"config.json", "tokenizer.json", WEIGHTS, "rng.json"}) {
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
      Map<String, String> meta = new LinkedHashMap<>();
      config.path("meta").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue().asText()));
      return new Header(dir, config.path("kind").asText(), shape, tokenizer, config.path("step").asLong(), meta,
          config.path("optimizerSteps").asLong());
    } catch (IOException | IllegalArgumentException e) {
      throw new CheckpointException("checkpoint " + dir + ": unreadable (" + e.getMessage() + ")", e);
    }
  }
}
