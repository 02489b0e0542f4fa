package dev.perceval.policy;

import com.typesafe.config.Config;

/**
 * Typed reads of the {@code perceval} block that reject out-of-range values with the key's full
 * path. {@code c} is the {@code perceval} block; keys are relative to it ("sft.steps").
 */
public final class ConfigChecks {
  private ConfigChecks() {}

  public static int positive(Config c, String key) {
    int v = c.getInt(key);
    if (v < 1) {
      throw bad(key, "must be at least 1", v);
    }
    return v;
  }

  public static int nonNegative(Config c, String key) {
    int v = c.getInt(key);
    if (v < 0) {
      throw bad(key, "must not be negative", v);
    }
    return v;
  }

  public static float positiveFloat(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v > 0)) {
      throw bad(key, "must be positive", v);
    }
    return (float) v;
  }

  public static float nonNegativeFloat(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v >= 0)) {
      throw bad(key, "must not be negative", v);
    }
    return (float) v;
  }

  public static float fraction(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v >= 0 && v <= 1)) {
      throw bad(key, "must be between 0 and 1", v);
    }
    return (float) v;
  }

  public static IllegalArgumentException bad(String key, String rule, Object value) {
    return new IllegalArgumentException("config perceval." + key + " " + rule + ", got " + value);
  }
}
