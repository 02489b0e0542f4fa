package dev.perceval.tts;

import dev.perceval.policy.Registry;
import java.util.List;

/**
 * Strategies by the names configs and requests use. A strategy has nothing to configure: k, the
 * seed and the tools come with each run, so one stateless instance serves every request.
 */
public final class Strategies {
  public static final Registry<Void, TtsStrategy> REGISTRY = registry();

  private Strategies() {}

  public static TtsStrategy get(String name) {
    return REGISTRY.create(name, null);
  }

  private static Registry<Void, TtsStrategy> registry() {
    Registry<Void, TtsStrategy> r = new Registry<>("TTS strategy");
    for (TtsStrategy s : List.of(new TruncateStrategy(false), new TruncateStrategy(true), new MajorityStrategy(),
        new BestOfNStrategy())) {
      r.register(s.name(), unused -> s);
    }
    return r;
  }

  /** The seed of sample j of a question: shared by every strategy, so all start from the same draws. */
  static long sampleSeed(long seed, String taskId, int j) {
    return dev.perceval.policy.Rng.derive(seed, "tts-sample", taskId, j).nextLong();
  }
}
