package dev.perceval.policy;

import com.typesafe.config.Config;

/**
 * Typed reads of a config block that reject out-of-range values with the key's full path. The
 * static methods read the {@code perceval} block (keys relative to it, "sft.steps"); {@link
 * #under} gives the same checks for another block, e.g. a campaign spec.
 */
public final class ConfigChecks {
  private static final ConfigChecks PERCEVAL = new ConfigChecks("config perceval.");

  private final String prefix;

  private ConfigChecks(String prefix) {
    this.prefix = prefix;
  }

  /** Checks whose errors name keys as {@code prefix + key}. */
  public static ConfigChecks under(String prefix) {
    return new ConfigChecks(prefix);
  }

  public static int positive(Config c, String key) {
    return PERCEVAL.atLeastOne(c, key);
  }

  public static int nonNegative(Config c, String key) {
    return PERCEVAL.notNegative(c, key);
  }

  public static float positiveFloat(Config c, String key) {
    return PERCEVAL.aboveZero(c, key);
  }

  public static float nonNegativeFloat(Config c, String key) {
    return (float) PERCEVAL.notNegativeReal(c, key);
  }

  public static float fraction(Config c, String key) {
    return PERCEVAL.between0And1(c, key);
  }

  public static IllegalArgumentException bad(String key, String rule, Object value) {
    return PERCEVAL.invalid(key, rule, value);
  }

  public int atLeastOne(Config c, String key) {
    int v = c.getInt(key);
    if (v < 1) {
      throw invalid(key, "must be at least 1", v);
    }
    return v;
  }

  public int notNegative(Config c, String key) {
    int v = c.getInt(key);
    if (v < 0) {
      throw invalid(key, "must not be negative", v);
    }
    return v;
  }

  public float aboveZero(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v > 0)) {
      throw invalid(key, "must be positive", v);
    }
    return (float) v;
  }

  public double notNegativeReal(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v >= 0)) {
      throw invalid(key, "must not be negative", v);
    }
    return v;
  }

  public float between0And1(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v >= 0 && v <= 1)) {
      throw invalid(key, "must be between 0 and 1", v);
    }
    return (float) v;
  }

  /** In (0, 1]: a probability mass such as top-p. */
  public float unitInterval(Config c, String key) {
    double v = c.getDouble(key);
    if (!(v > 0 && v <= 1)) {
      throw invalid(key, "must be in (0, 1]", v);
    }
    return (float) v;
  }

  public IllegalArgumentException invalid(String key, String rule, Object value) {
    return new IllegalArgumentException(prefix + key + " " + rule + ", got " + value);
  }
}
