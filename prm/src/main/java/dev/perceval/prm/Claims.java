package dev.perceval.prm;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a response's thinking into claims and reasoning directly on the sampled token ids, so
 * spans index exactly what the policy produced: no re-tokenisation, and a claim stated twice
 * yields two segments with their own spans.
 */
public final class Claims {
  private Claims() {}

  /**
   * Segments between {@code <think>} and {@code </think>} (or {@code <answer>}, or the end of a
   * cut-off response). A response without {@code <think>} has none; unknown ids are an error.
   */
  public static List<Segment> segments(World world, Tokenizer tok, int[] response) {
    List<Segment> out = new ArrayList<>();
    int open = -1;
    for (int i = 0; i < response.length; i++) {
      if (tok.word(response[i]).equals("<think>")) {
        open = i;
        break;
      }
    }
    if (open < 0) {
      return out;
    }
    int start = open + 1;
    for (int i = open + 1; i <= response.length; i++) {
      String w = i == response.length ? null : tok.word(response[i]);
      boolean closes = w == null || w.equals("</think>") || w.equals("<answer>") || w.equals("<think>");
      if (closes || w.equals(".")) {
        if (i > start) {
          List<String> words = new ArrayList<>(i - start);
          for (int j = start; j < i; j++) {
            words.add(tok.word(response[j]));
          }
          out.add(new Segment(start, i, words, world.parseClaim(words).orElse(null)));
        }
        start = i + 1;
      }
      if (closes) {
        break;
      }
    }
    return out;
  }

  /** Only the perception claims. */
  public static List<Segment> claims(World world, Tokenizer tok, int[] response) {
    return segments(world, tok, response).stream().filter(Segment::isClaim).toList();
  }
}
