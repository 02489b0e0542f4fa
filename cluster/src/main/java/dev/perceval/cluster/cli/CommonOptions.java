package dev.perceval.cluster.cli;

import dev.perceval.policy.Settings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command takes: the config layers and the few settings changed most often. */
public final class CommonOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "HOCON file over the reference config.")
  Path configFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one setting under perceval, e.g. --set sft.lr=1e-3 (repeatable).")
  Map<String, String> sets = new LinkedHashMap<>();

  @Option(names = "--seed", description = "Root seed (perceval.seed).")
  Long seed;

  @Option(names = "--device", description = "cpu or gpu:N (perceval.device).")
  String device;

  @Option(names = "--threads", description = "libtorch intra-op threads; 0 = min(2, cores).")
  Integer threads;

  /** Settings with, in increasing precedence: reference, --config, --set, dedicated flags, {@code extra}. */
  Settings settings(Map<String, Object> extra) {
    return Settings.from(config(extra).getConfig("perceval"));
  }

  /** The merged config behind {@link #settings}, for modules that read their own blocks. */
  com.typesafe.config.Config config(Map<String, Object> extra) {
    Map<String, Object> overrides = new LinkedHashMap<>(sets);
    if (seed != null) {
      overrides.put("seed", seed);
    }
    if (device != null) {
      overrides.put("device", device);
    }
    if (threads != null) {
      overrides.put("threads", threads);
    }
    extra.forEach((k, v) -> {
      if (v != null) {
        overrides.put(k, v);
      }
    });
    return Settings.loadConfig(configFile, overrides);
  }
}
