package dev.perceval.policy.world;

import dev.perceval.policy.Rng;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * 2-4 real MNIST digits, each tinted one colour, on a 3x3 grid. Claims read
 * {@code red 3 at top left}.
 */
public final class DigitsWorld extends GridWorld {
  static final String NAME = "digits";
  static final List<String> FAMILIES = List.of("sum", "colour-sum", "count-greater", "digit-at", "largest");
  static final List<String> DIGITS = numbers(9);
  static final List<ErrorType> ERRORS = List.of(ErrorType.VALUE, ErrorType.COLOUR, ErrorType.POSITION);

  private final Mnist mnist;

  public DigitsWorld(WorldConfig cfg) {
    super(cfg, 2, 4);
    this.mnist = Mnist.load(cfg.cacheDir());
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
    int digit = rng.nextInt(DIGITS.size());
    String colour = COLOURS.get(rng.nextInt(COLOURS.size()));
    look[0] = poolInstance(digit, split, rng.nextInt(poolSize(digit, split)));
    look[1] = rng.nextInt(3) - 1;
    look[2] = rng.nextInt(3) - 1;
    return new Fact("digit", Integer.toString(digit), colour, null, row, col);
  }

  @Override
  String question(String family, List<Fact> facts, Rng rng) {
    return switch (family) {
      case "sum" -> "what is the sum of all digits ?";
      case "colour-sum" -> "what is the sum of the " + facts.get(rng.nextInt(facts.size())).colour() + " digits ?";
      case "count-greater" -> "how many digits are greater than " + (1 + rng.nextInt(8)) + " ?";
      case "digit-at" -> "what digit is at " + facts.get(rng.nextInt(facts.size())).position() + " ?";
      case "largest" -> "what is the largest digit ?";
      default -> throw new IllegalArgumentException("unknown question family '" + family + "' for world " + NAME);
    };
  }

  @Override
  Optional<Reasoned> reason(String family, List<String> question, List<Fact> stated) {
    List<Integer> values = stated.stream().map(f -> Integer.parseInt(f.value())).toList();
    switch (family) {
      case "sum" -> {
        int sum = values.stream().mapToInt(Integer::intValue).sum();
        return values.isEmpty() ? Optional.empty() : Optional.of(new Reasoned(join(values, " + ") + " = " + sum, "" + sum));
      }
      case "colour-sum" -> {
        String colour = question.stream().filter(COLOURS::contains).findFirst().orElseThrow();
        List<Integer> of = stated.stream().filter(f -> f.colour().equals(colour))
            .map(f -> Integer.parseInt(f.value())).toList();
        int sum = of.stream().mapToInt(Integer::intValue).sum();
        return Optional.of(new Reasoned(colour + " : " + (of.isEmpty() ? "none" : join(of, " + ")) + " = " + sum,
            "" + sum));
      }
      case "count-greater" -> {
        int n = Integer.parseInt(question.get(question.indexOf("than") + 1));
        List<Integer> above = values.stream().filter(v -> v > n).toList();
        return Optional.of(new Reasoned("greater than " + n + " : " + (above.isEmpty() ? "none" : join(above, " "))
            + " = " + above.size(), "" + above.size()));
      }
      case "digit-at" -> {
        int cell = namedCell(question);
        return stated.stream().filter(f -> GRID.cell(f) == cell).findFirst()
            .map(f -> new Reasoned(f.position() + " is " + f.value(), f.value()));
      }
      case "largest" -> {
        int max = values.stream().mapToInt(Integer::intValue).max().orElse(-1);
        return max < 0 ? Optional.empty() : Optional.of(new Reasoned("largest of " + join(values, " ") + " = " + max, "" + max));
      }
      default -> throw new IllegalArgumentException("unknown question family '" + family + "' for world " + NAME);
    }
  }

  private static String join(List<Integer> values, String sep) {
    return values.stream().map(String::valueOf).collect(Collectors.joining(sep));
  }

  @Override
  float[] render(List<Fact> facts, List<int[]> looks) {
    int s = cfg.imageSize();
    float[] chw = new float[3 * s * s];
    for (int i = 0; i < facts.size(); i++) {
      Fact f = facts.get(i);
      int[] look = looks.get(i);
      int[] b = cellBounds(f.row(), f.col());
      int w = b[2] - b[0];
      int h = b[3] - b[1];
      float[] rgb = RGB[COLOURS.indexOf(f.colour())];
      int digit = Integer.parseInt(f.value());
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float v = bilinear(digit, look[0], (x + 0.5f) * Mnist.SIDE / w - 0.5f, (y + 0.5f) * Mnist.SIDE / h - 0.5f);
          int px = b[0] + x + look[1];
          int py = b[1] + y + look[2];
          if (v <= 0 || px < 0 || py < 0 || px >= s || py >= s) {
            continue;
          }
          for (int c = 0; c < 3; c++) {
            int at = (c * s + py) * s + px;
            chw[at] = Math.max(chw[at], v * rgb[c]);
          }
        }
      }
    }
    return chw;
  }

  private float bilinear(int digit, int instance, float sx, float sy) {
    int x0 = (int) Math.floor(sx);
    int y0 = (int) Math.floor(sy);
    float fx = sx - x0;
    float fy = sy - y0;
    return (1 - fx) * (1 - fy) * px(digit, instance, x0, y0) + fx * (1 - fy) * px(digit, instance, x0 + 1, y0)
        + (1 - fx) * fy * px(digit, instance, x0, y0 + 1) + fx * fy * px(digit, instance, x0 + 1, y0 + 1);
  }

  private float px(int digit, int instance, int x, int y) {
    if (x < 0 || y < 0 || x >= Mnist.SIDE || y >= Mnist.SIDE) {
      return 0;
    }
    return mnist.intensity(digit, instance, x, y);
  }

  @Override
  Set<String> ownWords() {
    Set<String> w = new LinkedHashSet<>(List.of("what", "is", "the", "sum", "of", "all", "digits",
        "digit", "how", "many", "are", "greater", "than", "largest", "none", "+"));
    w.addAll(numbers(36));
    return w;
  }

  @Override
  List<String> objectWords() {
    return DIGITS;
  }

  @Override
  public Optional<Fact> parseClaim(List<String> words) {
    int[] pos = position(words);
    if (pos == null || words.size() != 5) {
      return Optional.empty();
    }
    String colour = words.get(0);
    String value = words.get(1);
    if (!COLOURS.contains(colour) || !DIGITS.contains(value)) {
      return Optional.empty();
    }
    return Optional.of(new Fact("digit", value, colour, null, pos[0], pos[1]));
  }

  @Override
  public String claimText(Fact f) {
    return f.colour() + " " + f.value() + " at " + f.position();
  }

  @Override
  public List<ErrorType> errorTypes(Fact fact) {
    return ERRORS;
  }

  @Override
  Fact corruptObject(Fact f, ErrorType type, Rng rng) {
    if (type != ErrorType.VALUE) {
      throw new IllegalArgumentException("a digit has no " + type + " to get wrong");
    }
    return f.withValue(other(DIGITS, f.value(), rng));
  }

  /**
   * How many instances of {@code digit} a split's scenes draw from: the annotated traces (sft) use
   * the first {@code sftInstances / 10} of the train pool, a fixed subset; RL prompts and the
   * verifier's data use the whole train pool.
   */
  private int poolSize(int digit, Split split) {
    int train = mnist.poolSize(digit, Split.TRAIN);
    if (split != Split.SFT) {
      return mnist.poolSize(digit, split);
    }
    return cfg.sftInstances() == 0 ? train : Math.min(train, Math.max(1, cfg.sftInstances() / DIGITS.size()));
  }

  private int poolInstance(int digit, Split split, int k) {
    return mnist.poolInstance(digit, split == Split.SFT ? Split.TRAIN : split, k);
  }

  /** Instance indices a split may use for a digit class (for tests of the split rule). */
  List<Integer> pool(int digit, Split split) {
    List<Integer> out = new ArrayList<>();
    for (int k = 0; k < poolSize(digit, split); k++) {
      out.add(poolInstance(digit, split, k));
    }
    return out;
  }
}
