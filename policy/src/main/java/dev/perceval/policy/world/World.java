package dev.perceval.policy.world;

import dev.perceval.policy.Rng;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A family of generated visual question tasks. Everything is a pure function of the task id, so
 * any node can rebuild a task from {@code world:split:seed:index}.
 */
public interface World {
  String name();

  /** Question families this world offers (all of them, not only the enabled ones). */
  List<String> families();

  /** The configured canvas side in pixels. */
  int imageSize();

  Task task(Split split, long seed, long index);

  default Task task(TaskId id) {
    if (!id.world().equals(name())) {
      throw new IllegalArgumentException("task " + id + " belongs to world '" + id.world()
          + "', not '" + name() + "'");
    }
    return task(id.split(), id.seed(), id.index());
  }

  /** Every word this world can emit in questions, claims, reasoning and answers. */
  List<String> vocabulary();

  /** The claim segment's asserted fact, or empty if the words are not a perception claim. */
  Optional<Fact> parseClaim(List<String> words);

  /** Checks a claimed fact against the scene's objects, by the object at the claimed cell. */
  ClaimVerdict check(Fact claim, List<Fact> facts);

  /** The reasoning segment of a response and the answer it reaches. */
  record Reasoned(String reasoning, String answer) {}

  /**
   * The reasoning and answer to {@code task}'s question of a response that read the scene as
   * {@code stated}: the gold ones for the scene's own objects, a consistent hallucination after
   * wrong claims. Empty when the question has no answer in the world's words over them (the
   * digit at a cell where nothing was stated).
   */
  Optional<Reasoned> reason(Task task, List<Fact> stated);

  /** The words of the claim that states {@code fact}. */
  String claimText(Fact fact);

  /** The cells objects sit in. */
  Grid grid();

  /**
   * Words that name what an image holds: cells, colours, object values and kinds. A segment of
   * thinking that uses one says something about the image and is judged, readable or not.
   */
  Set<String> imageWords();

  /** The cell a segment names by its row and column words ("top right"), or -1. */
  int namedCell(List<String> words);

  /**
   * Words that make a segment reasoning over the stated claims ("3 + 5 = 8", "top left is 3")
   * rather than a statement about the image.
   */
  default Set<String> reasoningMarkers() {
    return Set.of("=", "is");
  }

  /** What the perception head is taught to see in a cell: object and colour classes. */
  PerceptionClasses perceptionClasses();

  /** The mistakes a claim about {@code fact} can make, in a fixed order. */
  List<ErrorType> errorTypes(Fact fact);

  /**
   * A realistic wrong version of {@code fact} making the mistake {@code type}, drawn with
   * {@code rng}; empty when the mistake cannot be made here (no free cell, or not one of
   * {@link #errorTypes}).
   */
  Optional<Fact> corrupt(Fact fact, ErrorType type, List<Fact> scene, Rng rng);

  /**
   * Words that carry no fact of their own ("at" in "red 3 at top left"): a token penalty may
   * skip them inside a wrong claim.
   */
  default Set<String> functionWords() {
    return Set.of("at", "of", "is", "the", "a", ".", ":", "=", "+", "?");
  }
}
