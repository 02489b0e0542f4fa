package dev.perceval.actors;

import ai.djl.Device;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.world.World;
import java.nio.file.Path;

/** The world a campaign's checkpoint was drawn for, as the actors build it. */
final class ModelSourceWorlds {
  private ModelSourceWorlds() {}

  static World of(CampaignSpec spec, Path policy) {
    ModelCheckpoint.Loaded l = ModelCheckpoint.load(policy, "policy", Device.cpu());
    try (var m = l.model()) {
      return new ModelSource(Device.cpu(), Path.of("unused")).world(spec.data().world(), m.config().imageSize(),
          spec.data().families());
    }
  }
}
