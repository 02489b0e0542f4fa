package dev.perceval.prm;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Judge;
import dev.perceval.policy.world.Segment;
import dev.perceval.policy.world.World;
import java.util.List;

/**
 * Splits a response's thinking into segments directly on the sampled token ids, so spans index
 * exactly what the policy produced: no re-tokenisation, and a claim stated twice yields two
 * segments with their own spans. {@link Judge} decides what each segment is.
 */
public final class Claims {
  private Claims() {}

  /**
   * Segments between {@code <think>} and {@code </think>} (or {@code <answer>}, or the end of a
   * cut-off response). A response without {@code <think>} has none; unknown ids are an error.
   */
  public static List<Segment> segments(World world, Tokenizer tok, int[] response) {
    return Judge.segments(world, tok.words(response));
  }

  /** Only the perception claims. */
  public static List<Segment> claims(World world, Tokenizer tok, int[] response) {
    return segments(world, tok, response).stream().filter(Segment::isClaim).toList();
  }

  /** The segments a verifier judges: claims, reflections, reasoning and unreadable statements. */
  public static List<Segment> judged(World world, Tokenizer tok, int[] response) {
    return segments(world, tok, response).stream().filter(Segment::judged).toList();
  }
}
