package dev.perceval.prm;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Answers;
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
    List<String> words = tok.words(response);
    List<Segment> out = new ArrayList<>();
    for (int[] span : Answers.thinkSpans(words)) {
      List<String> segment = List.copyOf(words.subList(span[0], span[1]));
      out.add(new Segment(span[0], span[1], segment, world.parseClaim(segment).orElse(null)));
    }
    return out;
  }

  /** Only the perception claims. */
  public static List<Segment> claims(World world, Tokenizer tok, int[] response) {
    return segments(world, tok, response).stream().filter(Segment::isClaim).toList();
  }
}
