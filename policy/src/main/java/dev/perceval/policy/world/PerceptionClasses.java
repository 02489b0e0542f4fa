package dev.perceval.policy.world;

import java.util.ArrayList;
import java.util.List;

/**
 * The perception head's label space: per image token, one class for the object in the cell under
 * it and one for its colour, each list ending in {@link #NOTHING} for an empty cell. Logits are
 * laid out objects first, then colours.
 */
public record PerceptionClasses(List<String> objects, List<String> colours) {
  public static final String NOTHING = "nothing";

  /**
   * The one label space every grid world uses (digits 0-9, the four shape kinds, nothing; the
   * five tints, nothing). It is shared rather than per world because a model's head is built
   * before it meets a world and checkpoints of either world hold this 21-wide head, its classes
   * at these indices; a world that needs other classes needs a head of its own.
   */
  public static final PerceptionClasses SHARED = new PerceptionClasses(
      withNothing(DigitsWorld.DIGITS, ShapesWorld.KINDS), withNothing(GridWorld.COLOURS));

  public PerceptionClasses {
    objects = List.copyOf(objects);
    colours = List.copyOf(colours);
    if (!objects.contains(NOTHING) || !colours.contains(NOTHING)) {
      throw new IllegalArgumentException("perception classes need a '" + NOTHING + "' class for empty cells");
    }
  }

  /** Logits the head needs: object classes then colour classes. */
  public int width() {
    return objects.size() + colours.size();
  }

  /** The object class of what a cell holds; {@code null} is an empty cell. */
  public int objectClass(Fact f) {
    return indexOf(objects, f == null ? NOTHING : f.value(), "object");
  }

  /** The colour class of what a cell holds; {@code null} is an empty cell. */
  public int colourClass(Fact f) {
    return indexOf(colours, f == null ? NOTHING : f.colour(), "colour");
  }

  private static int indexOf(List<String> classes, String label, String what) {
    int i = classes.indexOf(label);
    if (i < 0) {
      throw new IllegalArgumentException("no perception " + what + " class '" + label + "' (known: "
          + String.join(", ", classes) + ")");
    }
    return i;
  }

  @SafeVarargs
  private static List<String> withNothing(List<String>... parts) {
    List<String> out = new ArrayList<>();
    for (List<String> p : parts) {
      out.addAll(p);
    }
    out.add(NOTHING);
    return out;
  }
}
