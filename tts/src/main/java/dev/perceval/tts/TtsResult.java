package dev.perceval.tts;

import java.util.List;

/**
 * A strategy's outcome for one question.
 *
 * @param chosen index into {@code rounds} of the response the answer comes from
 * @param answer the answer, or null when no response had a well-formed one
 */
public record TtsResult(String strategy, int k, List<Round> rounds, int chosen, String answer, Budget budget) {
  public Round finalRound() {
    return rounds.get(chosen);
  }
}
