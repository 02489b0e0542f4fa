package dev.perceval.policy.world;

import java.nio.file.Path;
import java.util.List;

/**
 * How a world builds scenes. {@code minObjects}/{@code maxObjects} of 0 mean the world's own
 * default; {@code families} empty means all of the world's question families; {@code sftInstances}
 * is how many of the train pool's instances the {@code sft} split's scenes draw from (0: all).
 */
public record WorldConfig(int imageSize, List<String> families, int minObjects, int maxObjects,
    Path cacheDir, int sftInstances) {
  /** The annotated traces' share of the train pool: about one instance in eight of MNIST's 8,000. */
  public static final int DEFAULT_SFT_INSTANCES = 1000;

  public WorldConfig(int imageSize, List<String> families, int minObjects, int maxObjects, Path cacheDir) {
    this(imageSize, families, minObjects, maxObjects, cacheDir, DEFAULT_SFT_INSTANCES);
  }

  public WorldConfig {
    if (sftInstances < 0) {
      throw new IllegalArgumentException("sft instances must not be negative, got " + sftInstances);
    }
    families = families == null ? List.of() : List.copyOf(families);
    if (imageSize < 12) {
      throw new IllegalArgumentException("image size must be at least 12 pixels, got " + imageSize);
    }
    if (minObjects < 0 || maxObjects < 0 || (maxObjects > 0 && minObjects > maxObjects) || maxObjects > 9) {
      throw new IllegalArgumentException("objects per scene must satisfy 0 < min <= max <= 9, got "
          + minObjects + ".." + maxObjects);
    }
  }

  public static WorldConfig defaults() {
    String env = System.getenv("PERCEVAL_CACHE");
    Path cache = env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "perceval");
    return new WorldConfig(48, List.of(), 0, 0, cache);
  }

  public WorldConfig withImageSize(int size) {
    return new WorldConfig(size, families, minObjects, maxObjects, cacheDir, sftInstances);
  }

  public WorldConfig withFamilies(List<String> f) {
    return new WorldConfig(imageSize, f, minObjects, maxObjects, cacheDir, sftInstances);
  }
}
