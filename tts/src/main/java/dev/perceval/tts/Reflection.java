package dev.perceval.tts;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Reflections;
import java.util.List;

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

  /**
   * The prefix without a reflection it ends with: when the claim right after a reflection is
   * flagged again, the new reflection replaces the old one instead of piling up behind it.
   */
  static int[] withoutTrailing(Tokenizer tok, int[] prefix) {
    List<String> words = tok.words(prefix);
    int start = words.lastIndexOf(Reflections.OPENING.get(0));
    if (start < 0 || !words.get(words.size() - 1).equals(".")
        || !words.subList(start, words.size() - 1).equals(
            List.of(Reflections.sentence(String.join(" ", words.subList(start, words.size() - 1))).split(" ")))) {
      return prefix;
    }
    return java.util.Arrays.copyOf(prefix, start);
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
