package dev.perceval.cluster.cli;

import ai.djl.Device;
import dev.perceval.policy.Settings;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.Worlds;

/** What a command needs once its settings are known: libtorch set up and the world built. */
final class Context {
  final Settings settings;
  final Device device;

  Context(Settings settings) {
    this.settings = settings;
    boolean gpu = !settings.device().strip().equalsIgnoreCase("cpu");
    Torch.init(settings.effectiveThreads(), gpu);
    this.device = Torch.device(settings.device());
  }

  World world() {
    return world(settings.world().name());
  }

  World world(String name) {
    return world(name, settings.world().imageSize());
  }

  /** The named world drawn at {@code imageSize}, e.g. the size a checkpoint was trained at. */
  World world(String name, int imageSize) {
    return Worlds.create(name, settings.worldConfig(imageSize));
  }
}
