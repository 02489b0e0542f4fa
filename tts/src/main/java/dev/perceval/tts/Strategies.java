package dev.perceval.tts;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Strategies by name, as configs and requests name them. */
public final class Strategies {
  private static final Map<String, TtsStrategy> BY_NAME = new LinkedHashMap<>();

  static {
    for (TtsStrategy s : List.of(new TruncateStrategy(false), new TruncateStrategy(true), new MajorityStrategy(),
        new BestOfNStrategy())) {
      BY_NAME.put(s.name(), s);
    }
  }

  private Strategies() {}

  public static TtsStrategy get(String name) {
    TtsStrategy s = BY_NAME.get(name);
    if (s == null) {
      throw new IllegalArgumentException("unknown TTS strategy '" + name + "' (known: "
          + String.join(", ", BY_NAME.keySet()) + ")");
    }
    return s;
  }

  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /** The seed of sample j of a question: shared by every strategy, so all start from the same draws. */
  static long sampleSeed(long seed, String taskId, int j) {
    return dev.perceval.policy.Rng.derive(seed, "tts-sample", taskId, j).nextLong();
  }
}
