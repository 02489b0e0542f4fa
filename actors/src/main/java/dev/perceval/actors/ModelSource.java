package dev.perceval.actors;

import ai.djl.Device;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import dev.perceval.prm.Verifiers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a node's model actors need to build models and tasks: the device they are pinned to and
 * the data cache. Worlds are built once per (name, size, families) and shared.
 */
public record ModelSource(Device device, Path cacheDir) {
  private static final Map<String, World> WORLDS = new ConcurrentHashMap<>();

  /**
   * The models a campaign or a TTS session works with, and the world of its tasks; every node
   * resolves the same paths. Workers keep one set loaded and reload when another is named.
   *
   * @param id the campaign's id, or the TTS session's
   */
  public record Models(String id, String policy, String verifier, String world, List<String> families,
      int microBatch) implements CborSerializable {
    public static Models of(String id, dev.perceval.policy.grpo.CampaignSpec spec) {
      return new Models(id, spec.policy(), spec.verifier(), spec.data().world(), spec.data().families(),
          spec.rollout().microBatch());
    }
  }

  /** The whole checkpoint at {@code path}, holding a {@code kind}, with its weights on this node's device. */
  public ModelCheckpoint.Loaded load(String path, String kind) {
    return ModelCheckpoint.load(Path.of(path), kind, device);
  }

  /** The checkpoint's config and tokenizer, without its weights. */
  public ModelCheckpoint.Header header(String path, String kind) {
    return ModelCheckpoint.header(Path.of(path), kind);
  }

  /** The verifier a campaign or TTS request names, for a policy that writes with {@code policy}. */
  public Verifiers.Opened verifier(String name, World world, Tokenizer policy, int batchSize) {
    return Verifiers.open(name, world, policy, device, batchSize);
  }

  public World world(String name, int imageSize, List<String> families) {
    String key = name + "/" + imageSize + "/" + families;
    return WORLDS.computeIfAbsent(key, k -> Worlds.create(name, new WorldConfig(imageSize, families, 0, 0, cacheDir)));
  }
}
