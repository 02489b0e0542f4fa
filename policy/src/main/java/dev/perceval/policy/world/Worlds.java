package dev.perceval.policy.world;

import dev.perceval.policy.Registry;
import java.util.List;

/** Worlds by name; a new world registers here and every surface that takes a world name knows it. */
public final class Worlds {
  private static final Registry<WorldConfig, World> REGISTRY = new Registry<WorldConfig, World>("world")
      .register(DigitsWorld.NAME, DigitsWorld::new)
      .register(ShapesWorld.NAME, ShapesWorld::new);

  private Worlds() {}

  /** Builds the world {@code name}, read case- and space-insensitively as configs and requests write it. */
  public static World create(String name, WorldConfig cfg) {
    return REGISTRY.create(name == null ? "" : name.strip().toLowerCase(), cfg);
  }

  /** Registered world names, in registration order. */
  public static List<String> names() {
    return REGISTRY.names();
  }
}
