package dev.perceval.actors;

import ai.djl.Device;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
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

  /** Where a campaign's models and tasks come from; every node resolves the same paths. */
  public record Campaign(String id, String policy, String verifier, String world, List<String> families,
      int microBatch) implements CborSerializable {
    public static Campaign of(String id, dev.perceval.policy.grpo.CampaignSpec spec) {
      return new Campaign(id, spec.policy(), spec.verifier(), spec.data().world(), spec.data().families(),
          spec.rollout().microBatch());
    }
  }

  public ModelCheckpoint.Loaded load(String path, String kind) {
    ModelCheckpoint.Loaded l = ModelCheckpoint.load(Path.of(path), device);
    if (!kind.equals(l.kind())) {
      l.model().close();
      throw new IllegalArgumentException("checkpoint " + path + " holds a " + l.kind() + ", expected a " + kind);
    }
    return l;
  }

  public World world(String name, int imageSize, List<String> families) {
    String key = name + "/" + imageSize + "/" + families;
    return WORLDS.computeIfAbsent(key, k -> Worlds.create(name, new WorldConfig(imageSize, families, 0, 0, cacheDir)));
  }

  public static Task task(World world, TaskId id) {
    return world.task(id);
  }
}
