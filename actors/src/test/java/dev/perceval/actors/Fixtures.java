package dev.perceval.actors;

import ai.djl.Device;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.nio.file.Path;
import java.util.Map;

/** A tiny policy checkpoint on the shapes world (no downloads) and specs that run in seconds. */
final class Fixtures {
  private Fixtures() {}

  static World world() {
    return Worlds.create("shapes", WorldConfig.defaults().withImageSize(16));
  }

  static Path policy(Path dir) {
    Torch.init();
    World world = world();
    Tokenizer tok = Tokenizer.of(world.vocabulary());
    Path out = dir.resolve("policy");
    try (TinyVlm m = new TinyVlm(new VlmConfig(16, 4, 0, 32, 2, 2, tok.size(), 64, VlmConfig.Mode.POLICY), Device.cpu(), 3)) {
      ModelCheckpoint.save(out, "policy", m, tok, null, 0, Map.of(), Map.of("world", "shapes"));
    }
    return out;
  }

  /** A test kit journaling to the persistence testkit, with every message serialized even locally. */
  static akka.actor.testkit.typed.javadsl.ActorTestKit persistenceKit() {
    return akka.actor.testkit.typed.javadsl.ActorTestKit.create(
        akka.persistence.testkit.PersistenceTestKitPlugin.getInstance().config()
            .withFallback(akka.persistence.testkit.PersistenceTestKitSnapshotPlugin.config())
            .withFallback(com.typesafe.config.ConfigFactory.parseString("akka.actor.serialize-messages = on,"
                + " perceval.actors.journal.ask-timeout = 2s"))
            .withFallback(com.typesafe.config.ConfigFactory.load()));
  }

  static String spec(Path policy, Path out, String extra) {
    return "name = tiny, policy = \"" + policy + "\", verifier = oracle, out = \"" + out + "\", data.world = shapes,"
        + " steps = 2, prompts-per-step = 4, group-size = 4, rollout { max-new-tokens = 24, overlong-buffer = 4,"
        + " micro-batch = 8 }, actor.lr = 1e-3, trainer { eval-n = 8, checkpoint-every = 0 }, " + extra;
  }
}
