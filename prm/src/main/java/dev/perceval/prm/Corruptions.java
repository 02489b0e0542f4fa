package dev.perceval.prm;

import dev.perceval.policy.Rng;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import dev.perceval.policy.world.Fact;
import java.util.ArrayList;
import java.util.List;

/**
 * Realistic perception mistakes: a claim about a real object with one attribute swapped (digit
 * value, shape kind, colour, size) or placed at a cell where nothing is.
 */
public final class Corruptions {
  static final List<String> COLOURS = List.of("red", "green", "blue", "yellow", "magenta");
  static final List<String> KINDS = List.of("circle", "square", "triangle", "cross");

  private Corruptions() {}

  /** The error types that can apply to a fact of this kind. */
  public static List<ErrorType> typesFor(Fact f) {
    return f.kind().equals("digit")
        ? List.of(ErrorType.VALUE, ErrorType.COLOUR, ErrorType.POSITION)
        : List.of(ErrorType.KIND, ErrorType.COLOUR, ErrorType.SIZE, ErrorType.POSITION);
  }

  /** A wrong version of {@code f}, or null when the type cannot apply (e.g. no free cell). */
  public static Fact corrupt(Fact f, ErrorType type, List<Fact> scene, Rng rng) {
    return switch (type) {
      case VALUE -> {
        int v = Integer.parseInt(f.value());
        yield with(f, Integer.toString((v + 1 + rng.nextInt(9)) % 10), f.colour(), f.size(), f.row(), f.col());
      }
      case KIND -> with(f, other(KINDS, f.value(), rng), f.colour(), f.size(), f.row(), f.col());
      case COLOUR -> with(f, f.value(), other(COLOURS, f.colour(), rng), f.size(), f.row(), f.col());
      case SIZE -> f.size() == null ? null
          : with(f, f.value(), f.colour(), f.size().equals("large") ? "small" : "large", f.row(), f.col());
      case POSITION -> {
        List<Integer> free = new ArrayList<>();
        for (int cell = 0; cell < 9; cell++) {
          final int c = cell;
          if (scene.stream().noneMatch(o -> o.cell() == c)) {
            free.add(cell);
          }
        }
        if (free.isEmpty()) {
          yield null;
        }
        int cell = free.get(rng.nextInt(free.size()));
        yield with(f, f.value(), f.colour(), f.size(), cell / 3, cell % 3);
      }
    };
  }

  private static Fact with(Fact f, String value, String colour, String size, int row, int col) {
    return new Fact(f.kind(), value, colour, size, row, col);
  }

  private static String other(List<String> options, String current, Rng rng) {
    int i = options.indexOf(current);
    return options.get((i + 1 + rng.nextInt(options.size() - 1)) % options.size());
  }
}
