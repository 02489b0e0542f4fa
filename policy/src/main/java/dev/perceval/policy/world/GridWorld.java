package dev.perceval.policy.world;

import dev.perceval.policy.Rng;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What both worlds share: objects on a 3x3 grid, five tint colours, question families chosen by
 * the task's own random stream, gold responses of the form
 * {@code <think> claim . claim . reasoning . </think> <answer> X </answer>}, one perception label
 * space, and the mistakes of colour and position a claim can make.
 */
abstract class GridWorld implements World {
  static final Grid GRID = new Grid(Fact.ROWS.size(), Fact.COLS.size());
  static final List<String> COLOURS = List.of("red", "green", "blue", "yellow", "magenta");
  /** Tints chosen to stay distinct after downscaling on a black canvas. */
  static final float[][] RGB = {
      {1.0f, 0.2f, 0.2f}, {0.2f, 0.9f, 0.2f}, {0.3f, 0.45f, 1.0f}, {1.0f, 0.9f, 0.15f}, {0.95f, 0.3f, 0.95f}};
  static final List<String> TAGS = List.of("<think>", "</think>", "<answer>", "</answer>");

  final WorldConfig cfg;
  final List<String> enabled;
  final int minObjects;
  final int maxObjects;
  private volatile Set<String> imageWords;

  GridWorld(WorldConfig cfg, int defaultMin, int defaultMax) {
    this.cfg = cfg;
    this.minObjects = cfg.minObjects() == 0 ? defaultMin : cfg.minObjects();
    this.maxObjects = cfg.maxObjects() == 0 ? Math.max(defaultMax, minObjects) : cfg.maxObjects();
    if (minObjects > maxObjects) {
      throw new IllegalArgumentException("world " + name() + ": min objects " + minObjects
          + " exceeds max objects " + maxObjects);
    }
    for (String f : cfg.families()) {
      if (!families().contains(f)) {
        throw new IllegalArgumentException("unknown question family '" + f + "' for world " + name()
            + " (known: " + String.join(", ", families()) + ")");
      }
    }
    this.enabled = cfg.families().isEmpty() ? families() : cfg.families();
  }

  @Override
  public int imageSize() {
    return cfg.imageSize();
  }


  @Override
  public Task task(Split split, long seed, long index) {
    Rng rng = Rng.derive(seed, name(), split.label(), index);
    int n = minObjects + rng.nextInt(maxObjects - minObjects + 1);
    int[] cells = new int[GRID.cells()];
    Arrays.setAll(cells, c -> c);
    rng.shuffle(cells);
    int[] chosen = Arrays.copyOf(cells, n);
    Arrays.sort(chosen);
    List<Fact> facts = new ArrayList<>(n);
    List<int[]> looks = new ArrayList<>(n);
    for (int cell : chosen) {
      int[] look = new int[4];
      facts.add(object(rng, split, GRID.row(cell), GRID.col(cell), look));
      looks.add(look);
    }
    String family = enabled.get(rng.nextInt(enabled.size()));
    String question = question(family, facts, rng);
    Reasoned gold = reason(family, words(question), facts).orElseThrow(() -> new IllegalStateException(
        "world " + name() + " cannot answer its own question '" + question + "'"));
    List<String> thinking = new ArrayList<>();
    // A stream of its own, so every other field of the task is as it was without reflections.
    Rng reflect = Rng.derive(seed, name(), split.label(), index, "reflection");
    int reflectAt = reflect.nextDouble() < Reflections.RATE ? reflect.nextInt(facts.size()) : -1;
    for (int i = 0; i < facts.size(); i++) {
      String claim = claimText(facts.get(i));
      if (i == reflectAt) {
        thinking.add(Reflections.sentence(claim));
      }
      thinking.add(claim);
    }
    thinking.add(gold.reasoning());
    float[] image = render(facts, looks);
    return new Task(new TaskId(name(), split, seed, index).toString(), name(), family, question,
        Answers.response(thinking, gold.answer()), gold.answer(), facts, image, cfg.imageSize());
  }

  @Override
  public Optional<Reasoned> reason(Task task, List<Fact> stated) {
    return reason(task.family(), words(task.question()), stated);
  }

  private static List<String> words(String text) {
    return List.of(text.strip().split("\\s+"));
  }

  /** Draws one object at a cell; {@code look} receives rendering details (instance, jitter...). */
  abstract Fact object(Rng rng, Split split, int row, int col, int[] look);

  /** Draws the question of a {@code family} about the scene's {@code facts} from {@code rng}. */
  abstract String question(String family, List<Fact> facts, Rng rng);

  /** The reasoning over {@code stated} that answers {@code question}, as the gold thinking writes it. */
  abstract Optional<Reasoned> reason(String family, List<String> question, List<Fact> stated);

  abstract float[] render(List<Fact> facts, List<int[]> looks);

  /** Words specific to the world; tags, punctuation, positions and colours are added here. */
  abstract Set<String> ownWords();

  @Override
  public List<String> vocabulary() {
    Set<String> words = new LinkedHashSet<>(TAGS);
    words.addAll(List.of(".", "?", ":", "=", "at"));
    words.addAll(Reflections.OPENING);
    words.addAll(Fact.ROWS);
    words.addAll(Fact.COLS);
    words.addAll(COLOURS);
    words.addAll(ownWords());
    return List.copyOf(words);
  }

  @Override
  public Set<String> imageWords() {
    // Asked for every segment judged: built once.
    if (imageWords == null) {
      Set<String> words = new LinkedHashSet<>(Fact.ROWS);
      words.addAll(Fact.COLS);
      words.addAll(COLOURS);
      words.addAll(objectWords());
      imageWords = Set.copyOf(words);
    }
    return imageWords;
  }

  /** The world's words for objects: their values, kinds and sizes. */
  abstract List<String> objectWords();

  @Override
  public int namedCell(List<String> words) {
    for (int i = 0; i + 1 < words.size(); i++) {
      int row = Fact.ROWS.indexOf(words.get(i));
      int col = Fact.COLS.indexOf(words.get(i + 1));
      if (row >= 0 && col >= 0) {
        return GRID.cell(row, col);
      }
    }
    return -1;
  }

  /** Parses the trailing {@code at ROW COL}; returns {row, col} or null. */
  static int[] position(List<String> words) {
    int n = words.size();
    if (n < 3 || !words.get(n - 3).equals("at")) {
      return null;
    }
    int row = Fact.ROWS.indexOf(words.get(n - 2));
    int col = Fact.COLS.indexOf(words.get(n - 1));
    return row < 0 || col < 0 ? null : new int[] {row, col};
  }

  @Override
  public ClaimVerdict check(Fact claim, List<Fact> facts) {
    for (Fact f : facts) {
      if (f.row() == claim.row() && f.col() == claim.col()) {
        if (!f.value().equals(claim.value())) {
          return ClaimVerdict.wrong(f.kind().equals("digit")
              ? ClaimVerdict.ErrorType.VALUE : ClaimVerdict.ErrorType.KIND);
        }
        if (!f.colour().equals(claim.colour())) {
          return ClaimVerdict.wrong(ClaimVerdict.ErrorType.COLOUR);
        }
        if (f.size() != null && !f.size().equals(claim.size())) {
          return ClaimVerdict.wrong(ClaimVerdict.ErrorType.SIZE);
        }
        return ClaimVerdict.CORRECT;
      }
    }
    return ClaimVerdict.wrong(ClaimVerdict.ErrorType.POSITION);
  }

  /** Integer pixel bounds {x0, y0, x1, y1} of a grid cell of the canvas. */
  int[] cellBounds(int row, int col) {
    return GRID.bounds(row, col, cfg.imageSize());
  }

  @Override
  public Grid grid() {
    return GRID;
  }

  @Override
  public PerceptionClasses perceptionClasses() {
    return PerceptionClasses.SHARED;
  }

  @Override
  public Optional<Fact> corrupt(Fact f, ErrorType type, List<Fact> scene, Rng rng) {
    if (!errorTypes(f).contains(type)) {
      return Optional.empty();
    }
    return switch (type) {
      case COLOUR -> Optional.of(f.withColour(other(COLOURS, f.colour(), rng)));
      case POSITION -> {
        List<Integer> free = new ArrayList<>();
        for (int cell = 0; cell < GRID.cells(); cell++) {
          final int c = cell;
          if (scene.stream().noneMatch(o -> GRID.cell(o) == c)) {
            free.add(cell);
          }
        }
        if (free.isEmpty()) {
          yield Optional.empty();
        }
        int cell = free.get(rng.nextInt(free.size()));
        yield Optional.of(f.at(GRID.row(cell), GRID.col(cell)));
      }
      default -> Optional.of(corruptObject(f, type, rng));
    };
  }

  /** The world's own mistakes about the object itself (its value, kind or size). */
  abstract Fact corruptObject(Fact f, ErrorType type, Rng rng);

  /** Another of {@code options} than {@code current}, each equally likely. */
  static String other(List<String> options, String current, Rng rng) {
    int i = options.indexOf(current);
    return options.get((i + 1 + rng.nextInt(options.size() - 1)) % options.size());
  }

  static List<String> numbers(int max) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i <= max; i++) {
      out.add(Integer.toString(i));
    }
    return out;
  }
}
