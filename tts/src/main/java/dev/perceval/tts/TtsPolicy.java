package dev.perceval.tts;

import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.world.Task;
import java.util.List;

/**
 * The policy as test-time scaling sees it: continue each row's question from a response prefix
 * (empty: a fresh sample) with the row's seed. Generations hold only the new tokens. A row's
 * tokens must depend on its own task, prefix and seed only, never on the other rows.
 */
public interface TtsPolicy {
  record Row(Task task, int[] prefix, long seed) {}

  List<Generation> generate(List<Row> rows);

  /** The longest prefix a row of this task may carry and still leave room to generate. */
  default int maxPrefix(Task task) {
    return Integer.MAX_VALUE;
  }

  /** For a model of {@code maxText} tokens: room kept after the prefix for a claim and the closing tags. */
  static int maxPrefix(int maxText, int promptLength) {
    return maxText - promptLength - 16;
  }
}
