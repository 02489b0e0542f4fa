package dev.perceval.policy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Schedule;
import dev.perceval.policy.world.WorldConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import static dev.perceval.policy.ConfigChecks.fraction;
import static dev.perceval.policy.ConfigChecks.nonNegative;
import static dev.perceval.policy.ConfigChecks.nonNegativeFloat;
import static dev.perceval.policy.ConfigChecks.positive;
import static dev.perceval.policy.ConfigChecks.positiveFloat;

/**
 * Typed view of the {@code perceval} config block (see reference.conf). Every value is checked
 * here, once, so a bad setting fails before any work starts, with the key's full path.
 */
public record Settings(String device, int threads, long seed, Path cacheDir, World world,
    Model model, Sft sft, Sampling sampling, Eval eval) {

  public record World(String name, int imageSize, List<String> families, int minObjects, int maxObjects,
      int sftInstances) {}

  public record Model(int patch, int stemChannels, int dModel, int layers, int heads, int maxText) {
    public VlmConfig shape(int imageSize, int vocab) {
      return new VlmConfig(imageSize, patch, stemChannels, dModel, layers, heads, vocab, maxText, VlmConfig.Mode.POLICY);
    }
  }

  public record Sft(int steps, int batchSize, float lr, int warmup, float minLrRatio,
      float weightDecay, float gradClip, int checkpointEvery, float perceptionWeight) {
    public Schedule schedule() {
      return new Schedule(lr, warmup, steps, minLrRatio);
    }

    public AdamW.Hyper hyper() {
      AdamW.Hyper d = AdamW.Hyper.defaults();
      return new AdamW.Hyper(d.beta1(), d.beta2(), d.eps(), weightDecay, gradClip);
    }
  }

  public record Sampling(float temperature, float topP, int maxNewTokens) {}

  public record Eval(int n, int batchSize, int maxNewTokens) {}

  /** How the configured world builds scenes, drawn at {@code imageSize} (e.g. a checkpoint's size). */
  public WorldConfig worldConfig(int imageSize) {
    return new WorldConfig(imageSize, world.families(), world.minObjects(),
        world.maxObjects(), cacheDir, world.sftInstances());
  }

  /** reference.conf, then {@code file} if given, then {@code overrides} (dotted keys under perceval). */
  public static Settings load(Path file, Map<String, Object> overrides) {
    return from(loadConfig(file, overrides).getConfig("perceval"));
  }

  /** The merged config the settings are read from; other modules read their blocks from it. */
  public static Config loadConfig(Path file, Map<String, Object> overrides) {
    Config cfg = ConfigFactory.defaultOverrides();
    for (Map.Entry<String, Object> e : overrides.entrySet()) {
      cfg = cfg.withValue("perceval." + e.getKey(), value(e.getValue()));
    }
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("config file " + file + " not found");
      }
      try {
        Config fromFile = ConfigFactory.parseFile(file.toFile(),
            ConfigParseOptions.defaults().setAllowMissing(false));
        rejectUnknownKeys(file, fromFile);
        cfg = cfg.withFallback(fromFile);
      } catch (ConfigException e) {
        throw new IllegalArgumentException("config file " + file + ": " + e.getMessage(), e);
      }
    }
    return cfg.withFallback(ConfigFactory.defaultReference()).resolve();
  }

  /** Strings from the command line are read as HOCON values ([a,b], 1e-3), else kept as text. */
  private static com.typesafe.config.ConfigValue value(Object v) {
    if (v instanceof String text) {
      try {
        return ConfigFactory.parseString("v = " + text).getValue("v");
      } catch (ConfigException e) {
        return ConfigValueFactory.fromAnyRef(text);
      }
    }
    return ConfigValueFactory.fromAnyRef(v);
  }

  /** A misspelt key would otherwise be ignored silently and the default used instead. */
  private static void rejectUnknownKeys(Path file, Config fromFile) {
    Config reference = ConfigFactory.defaultReference();
    for (Map.Entry<String, com.typesafe.config.ConfigValue> e : fromFile.entrySet()) {
      String key = e.getKey();
      if (key.startsWith("perceval.") && !reference.hasPath(key)) {
        throw new IllegalArgumentException("config file " + file + ": unknown key '" + key + "'");
      }
    }
  }

  public static Settings defaults() {
    return load(null, Map.of());
  }

  public static Settings from(Config c) {
    try {
      String cache = c.getString("cache-dir");
      Path cacheDir = cache.isBlank() ? defaultCache() : Path.of(cache);
      Settings out = new Settings(
          c.getString("device"),
          nonNegative(c, "threads"),
          c.getLong("seed"),
          cacheDir,
          new World(c.getString("world.name"), positive(c, "world.image-size"),
              c.getStringList("world.families"), nonNegative(c, "world.min-objects"),
              nonNegative(c, "world.max-objects"), nonNegative(c, "world.sft-instances")),
          new Model(positive(c, "model.patch"), nonNegative(c, "model.stem-channels"), positive(c, "model.d-model"),
              positive(c, "model.layers"), positive(c, "model.heads"), positive(c, "model.max-text")),
          new Sft(positive(c, "sft.steps"), positive(c, "sft.batch-size"), positiveFloat(c, "sft.lr"),
              nonNegative(c, "sft.warmup"), fraction(c, "sft.min-lr-ratio"),
              nonNegativeFloat(c, "sft.weight-decay"), nonNegativeFloat(c, "sft.grad-clip"),
              nonNegative(c, "sft.checkpoint-every"), nonNegativeFloat(c, "sft.perception-weight")),
          new Sampling((float) c.getDouble("sampling.temperature"), fraction(c, "sampling.top-p"),
              positive(c, "sampling.max-new-tokens")),
          new Eval(positive(c, "eval.n"), positive(c, "eval.batch-size"),
              positive(c, "eval.max-new-tokens")));
      if (out.world.imageSize() % out.model.patch() != 0) {
        throw new IllegalArgumentException("config perceval.world.image-size (" + out.world.imageSize()
            + ") must be a multiple of perceval.model.patch (" + out.model.patch() + ")");
      }
      if (out.model.dModel() % out.model.heads() != 0) {
        throw new IllegalArgumentException("config perceval.model.d-model (" + out.model.dModel()
            + ") must be a multiple of perceval.model.heads (" + out.model.heads() + ")");
      }
      if (out.sampling.topP() == 0) {
        throw new IllegalArgumentException("config perceval.sampling.top-p must be above 0");
      }
      return out;
    } catch (ConfigException ex) {
      throw new IllegalArgumentException("config: " + ex.getMessage(), ex);
    }
  }

  public int effectiveThreads() {
    return threads == 0 ? dev.perceval.policy.model.Torch.defaultThreads() : threads;
  }

  static Path defaultCache() {
    String env = System.getenv("PERCEVAL_CACHE");
    return env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cache", "perceval");
  }
}
