package dev.perceval.policy.world;

import java.util.List;

/** Worlds by name. */
public final class Worlds {
  public static final List<String> NAMES = List.of("digits", "shapes");

  private Worlds() {}

  public static World create(String name, WorldConfig cfg) {
    String n = name == null ? "" : name.strip().toLowerCase();
    return switch (n) {
      case "digits" -> new DigitsWorld(cfg);
      case "shapes" -> new ShapesWorld(cfg);
      default -> throw new IllegalArgumentException(
          "unknown world '" + name + "' (known: " + String.join(", ", NAMES) + ")");
    };
  }
}
