package dev.perceval.policy.world;

import dev.perceval.policy.Rng;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Procedural shapes (circle, square, triangle, cross) in two sizes and five colours on a 3x3
 * grid; no external data. Claims read {@code large red circle at top left}.
 */
public final class ShapesWorld extends GridWorld {
  static final String NAME = "shapes";
  static final List<String> FAMILIES =
      List.of("count-colour", "count-kind", "colour-difference", "shape-at", "more-than");
  static final List<String> KINDS = List.of("circle", "square", "triangle", "cross");
  static final List<String> PLURALS = List.of("circles", "squares", "triangles", "crosses");
  static final List<String> SIZES = List.of("small", "large");
  static final List<ErrorType> ERRORS =
      List.of(ErrorType.KIND, ErrorType.COLOUR, ErrorType.SIZE, ErrorType.POSITION);

  public ShapesWorld(WorldConfig cfg) {
    super(cfg, 2, 5);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> families() {
    return FAMILIES;
  }

  @Override
  Fact object(Rng rng, Split split, int row, int col, int[] look) {
    String kind = KINDS.get(rng.nextInt(KINDS.size()));
    String colour = COLOURS.get(rng.nextInt(COLOURS.size()));
    String size = SIZES.get(rng.nextInt(SIZES.size()));
    return new Fact("shape", kind, colour, size, row, col);
  }

  @Override
  String question(String family, List<Fact> facts, Rng rng) {
    return switch (family) {
      case "count-colour" -> {
        // Mostly colours that are present, sometimes one that is not: zero is a valid answer.
        String colour = rng.nextInt(4) > 0 ? facts.get(rng.nextInt(facts.size())).colour()
            : COLOURS.get(rng.nextInt(COLOURS.size()));
        yield "how many " + colour + " shapes are there ?";
      }
      case "count-kind" -> {
        int k = rng.nextInt(4) > 0 ? KINDS.indexOf(facts.get(rng.nextInt(facts.size())).value()) : rng.nextInt(KINDS.size());
        yield "how many " + PLURALS.get(k) + " are there ?";
      }
      case "colour-difference" -> {
        String a = COLOURS.get(rng.nextInt(COLOURS.size()));
        String b = COLOURS.get((COLOURS.indexOf(a) + 1 + rng.nextInt(COLOURS.size() - 1)) % COLOURS.size());
        boolean aMore = count(facts, f -> f.colour().equals(a)) >= count(facts, f -> f.colour().equals(b));
        yield "how many more " + (aMore ? a : b) + " shapes than " + (aMore ? b : a) + " shapes are there ?";
      }
      case "shape-at" -> "what shape is at " + facts.get(rng.nextInt(facts.size())).position() + " ?";
      case "more-than" -> {
        int a = rng.nextInt(KINDS.size());
        int b = (a + 1 + rng.nextInt(KINDS.size() - 1)) % KINDS.size();
        yield "are there more " + PLURALS.get(a) + " than " + PLURALS.get(b) + " ?";
      }
      default -> throw new IllegalArgumentException("unknown question family '" + family + "' for world " + NAME);
    };
  }

  @Override
  Optional<Reasoned> reason(String family, List<String> question, List<Fact> stated) {
    return switch (family) {
      case "count-colour" -> {
        String colour = question.get(2);
        long n = count(stated, f -> f.colour().equals(colour));
        yield Optional.of(new Reasoned("count " + colour + " = " + n, "" + n));
      }
      case "count-kind" -> {
        String plural = question.get(2);
        long n = count(stated, f -> f.value().equals(KINDS.get(PLURALS.indexOf(plural))));
        yield Optional.of(new Reasoned("count " + plural + " = " + n, "" + n));
      }
      case "colour-difference" -> {
        String more = question.get(3);
        String less = question.get(question.indexOf("than") + 1);
        long hi = count(stated, f -> f.colour().equals(more));
        long lo = count(stated, f -> f.colour().equals(less));
        // A reading with fewer of the colour the question calls "more" still answers in counts.
        yield Optional.of(new Reasoned(more + " " + hi + " - " + less + " " + lo + " = " + Math.max(0, hi - lo),
            "" + Math.max(0, hi - lo)));
      }
      case "shape-at" -> {
        int cell = namedCell(question);
        yield stated.stream().filter(f -> GRID.cell(f) == cell).findFirst()
            .map(f -> new Reasoned(f.position() + " is " + f.value(), f.value()));
      }
      case "more-than" -> {
        String a = question.get(3);
        String b = question.get(5);
        long na = count(stated, f -> f.value().equals(KINDS.get(PLURALS.indexOf(a))));
        long nb = count(stated, f -> f.value().equals(KINDS.get(PLURALS.indexOf(b))));
        String answer = na > nb ? "yes" : "no";
        yield Optional.of(new Reasoned(a + " " + na + " " + b + " " + nb + " = " + answer, answer));
      }
      default -> throw new IllegalArgumentException("unknown question family '" + family + "' for world " + NAME);
    };
  }

  private static long count(List<Fact> facts, java.util.function.Predicate<Fact> p) {
    return facts.stream().filter(p).count();
  }

  @Override
  float[] render(List<Fact> facts, List<int[]> looks) {
    int s = cfg.imageSize();
    BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      for (Fact f : facts) {
        int[] b = cellBounds(f.row(), f.col());
        float[] rgb = RGB[COLOURS.indexOf(f.colour())];
        g.setColor(new Color(rgb[0], rgb[1], rgb[2]));
        double cell = Math.min(b[2] - b[0], b[3] - b[1]);
        double side = cell * (f.size().equals("large") ? 0.85 : 0.45);
        double cx = (b[0] + b[2]) / 2.0;
        double cy = (b[1] + b[3]) / 2.0;
        int x = (int) Math.round(cx - side / 2);
        int y = (int) Math.round(cy - side / 2);
        int d = (int) Math.round(side);
        switch (f.value()) {
          case "circle" -> g.fillOval(x, y, d, d);
          case "square" -> g.fillRect(x, y, d, d);
          case "triangle" -> g.fillPolygon(new Polygon(new int[] {x, x + d, x + d / 2}, new int[] {y + d, y + d, y}, 3));
          case "cross" -> {
            g.setStroke(new BasicStroke((float) Math.max(1.5, side / 4)));
            g.drawLine(x, y, x + d, y + d);
            g.drawLine(x, y + d, x + d, y);
          }
          default -> throw new IllegalStateException("unknown shape " + f.value());
        }
      }
    } finally {
      g.dispose();
    }
    return Images.toChw(img);
  }

  @Override
  Set<String> ownWords() {
    Set<String> w = new LinkedHashSet<>(List.of("how", "many", "shapes", "are", "there", "more", "than",
        "what", "shape", "is", "count", "-", "yes", "no"));
    w.addAll(KINDS);
    w.addAll(PLURALS);
    w.addAll(SIZES);
    w.addAll(numbers(9));
    return w;
  }

  @Override
  List<String> objectWords() {
    List<String> words = new ArrayList<>(KINDS);
    words.addAll(PLURALS);
    words.addAll(SIZES);
    return words;
  }

  @Override
  public Optional<Fact> parseClaim(List<String> words) {
    int[] pos = position(words);
    if (pos == null || words.size() != 6) {
      return Optional.empty();
    }
    String size = words.get(0);
    String colour = words.get(1);
    String kind = words.get(2);
    if (!SIZES.contains(size) || !COLOURS.contains(colour) || !KINDS.contains(kind)) {
      return Optional.empty();
    }
    return Optional.of(new Fact("shape", kind, colour, size, pos[0], pos[1]));
  }

  @Override
  public String claimText(Fact f) {
    return f.size() + " " + f.colour() + " " + f.value() + " at " + f.position();
  }

  @Override
  public List<ErrorType> errorTypes(Fact fact) {
    return ERRORS;
  }

  @Override
  Fact corruptObject(Fact f, ErrorType type, Rng rng) {
    return switch (type) {
      case KIND -> f.withValue(other(KINDS, f.value(), rng));
      // Two sizes: the other one, without a draw.
      case SIZE -> f.withSize(SIZES.get(1 - SIZES.indexOf(f.size())));
      default -> throw new IllegalArgumentException("a shape has no " + type + " of its own to get wrong");
    };
  }
}
