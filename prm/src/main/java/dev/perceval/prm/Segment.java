package dev.perceval.prm;

import dev.perceval.policy.world.Fact;
import java.util.List;

/**
 * One "."-separated piece of a response's thinking, located in the sampled token ids.
 *
 * @param start index of its first token in the response ids
 * @param end one past its last token (the separating "." is not part of it)
 * @param claim the asserted fact when the segment is a perception claim, else null (reasoning)
 */
public record Segment(int start, int end, List<String> words, Fact claim) {
  public boolean isClaim() {
    return claim != null;
  }

  public String text() {
    return String.join(" ", words);
  }
}
