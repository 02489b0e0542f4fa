package dev.perceval.tts;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Reflections;

/**
 * What truncate-thinking appends after a cut: the world's reflection on the flagged claim
 * ({@link Reflections}), closed by ".", e.g. "wait , let me look again at top left ." for
 * "red 3 at top left". The policy then states the claim anew.
 */
final class Reflection {
  private Reflection() {}

  static String sentence(String claim) {
    return Reflections.sentence(claim) + " .";
  }

  /** Its token ids, or a clear error when the policy was trained without these words. */
  static int[] tokens(Tokenizer tok, String sentence) {
    for (String w : sentence.split(" ")) {
      if (!tok.contains(w)) {
        throw new IllegalArgumentException("the policy's vocabulary lacks '" + w + "', which truncate-thinking's"
            + " reflection needs; train the policy on a world version with reflections");
      }
    }
    return tok.encode(sentence);
  }
}
