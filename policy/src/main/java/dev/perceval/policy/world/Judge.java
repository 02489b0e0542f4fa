package dev.perceval.policy.world;

import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a response's thinking segment by segment and judges each against the scene, so that no
 * statement about the image escapes and none can be dodged. A penalty that only punishes the
 * claims it can parse pays a policy to state less: to write half claims, to put a reflection where
 * a claim it is unsure of would stand, or to leave objects out. So:
 * <ul>
 *   <li>a claim is checked against the object at its cell (nothing there is a position error);
 *   <li>any other segment that names something an image holds (a cell, colour, value or kind) and
 *       is not reasoning is a statement the parser cannot read: wrong (a position error when the
 *       cell it names is empty, else malformed);
 *   <li>a reflection must be followed by a claim, about its cell when it names one (else evasion);
 *   <li>the first reasoning segment (or, without one, the last segment) is wrong when some object
 *       of the scene has no claim at its cell before it (omission): the gold thinking states every
 *       object, and the penalty lands on the reasoning built on the incomplete reading.
 * </ul>
 */
public final class Judge {
  private Judge() {}

  /** The segments of the thinking ({@link Answers#thinkSpans}), each with its kind. */
  public static List<Segment> segments(World world, List<String> words) {
    List<Segment> out = new ArrayList<>();
    for (int[] span : Answers.thinkSpans(words)) {
      List<String> segment = List.copyOf(words.subList(span[0], span[1]));
      Fact claim = world.parseClaim(segment).orElse(null);
      out.add(new Segment(span[0], span[1], segment, kind(world, segment, claim), claim));
    }
    return out;
  }

  private static Segment.Kind kind(World world, List<String> segment, Fact claim) {
    if (claim != null) {
      return Segment.Kind.CLAIM;
    }
    if (segment.size() >= Reflections.OPENING.size()
        && segment.subList(0, Reflections.OPENING.size()).equals(Reflections.OPENING)) {
      return Segment.Kind.REFLECTION;
    }
    if (segment.stream().anyMatch(world.reasoningMarkers()::contains)) {
      return Segment.Kind.REASONING;
    }
    return segment.stream().anyMatch(world.imageWords()::contains) ? Segment.Kind.STATEMENT : Segment.Kind.OTHER;
  }

  /** The verdict on each part, in order; parts that are not judged are correct. */
  public static List<ClaimVerdict> verdicts(World world, List<Segment> parts, List<Fact> facts) {
    Grid grid = world.grid();
    Set<Integer> occupied = new HashSet<>();
    facts.forEach(f -> occupied.add(grid.cell(f)));
    List<ClaimVerdict> out = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      Segment p = parts.get(i);
      out.add(switch (p.kind()) {
        case CLAIM -> world.check(p.claim(), facts);
        case STATEMENT -> {
          int cell = world.namedCell(p.words());
          yield ClaimVerdict.wrong(cell >= 0 && !occupied.contains(cell) ? ErrorType.POSITION : ErrorType.MALFORMED);
        }
        case REFLECTION -> followedByItsClaim(world, p, i + 1 < parts.size() ? parts.get(i + 1) : null)
            ? ClaimVerdict.CORRECT : ClaimVerdict.wrong(ErrorType.EVASION);
        case REASONING, OTHER -> ClaimVerdict.CORRECT;
      });
    }
    int reading = readingEnd(parts);
    if (reading >= 0 && out.get(reading).correct() && !statedCells(world, parts, reading).containsAll(occupied)) {
      out.set(reading, ClaimVerdict.wrong(ErrorType.OMISSION));
    }
    return out;
  }

  /**
   * What a reader of the image rather than of the facts makes of the same rules: per segment, the
   * probability that it is wrong given {@code belief} about each cell. A claim is right with the
   * probability that its cell holds its object in its colour; the reasoning omits an object with
   * the probability that some cell no claim names is not empty. Statements and reflections need
   * no image: the rules decide them, as for the facts.
   */
  public static double[] wrongProbabilities(World world, List<Segment> parts, Belief belief) {
    PerceptionClasses classes = world.perceptionClasses();
    Grid grid = world.grid();
    double[] out = new double[parts.size()];
    for (int i = 0; i < parts.size(); i++) {
      Segment p = parts.get(i);
      out[i] = switch (p.kind()) {
        case CLAIM -> {
          int cell = grid.cell(p.claim());
          yield 1 - belief.object(cell, classes.objectClass(p.claim())) * belief.colour(cell,
              classes.colourClass(p.claim()));
        }
        case STATEMENT -> 1;
        case REFLECTION -> followedByItsClaim(world, p, i + 1 < parts.size() ? parts.get(i + 1) : null) ? 0 : 1;
        case REASONING, OTHER -> 0;
      };
    }
    int reading = readingEnd(parts);
    if (reading >= 0) {
      Set<Integer> stated = statedCells(world, parts, reading);
      int nothing = classes.objectClass(null);
      double allEmpty = 1;
      for (int cell = 0; cell < grid.cells(); cell++) {
        allEmpty *= stated.contains(cell) ? 1 : belief.object(cell, nothing);
      }
      out[reading] = 1 - (1 - out[reading]) * allEmpty;
    }
    return out;
  }

  /** What a reader believes each cell holds, as probabilities over the world's perception classes. */
  public interface Belief {
    double object(int cell, int objectClass);

    double colour(int cell, int colourClass);
  }

  /** The segment the omission rule judges: the first reasoning, else the last judged segment; -1 if none. */
  private static int readingEnd(List<Segment> parts) {
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i).kind() == Segment.Kind.REASONING) {
        return i;
      }
    }
    for (int i = parts.size() - 1; i >= 0; i--) {
      if (parts.get(i).judged()) {
        return i;
      }
    }
    return -1;
  }

  /** The cells that claims before segment {@code end} name. */
  private static Set<Integer> statedCells(World world, List<Segment> parts, int end) {
    Set<Integer> stated = new HashSet<>();
    for (Segment p : parts.subList(0, end)) {
      if (p.isClaim()) {
        stated.add(world.grid().cell(p.claim()));
      }
    }
    return stated;
  }

  /** The parts of a response with their verdicts against {@code facts}. */
  public static List<Judged> judge(World world, List<String> words, List<Fact> facts) {
    List<Segment> parts = segments(world, words);
    List<ClaimVerdict> verdicts = verdicts(world, parts, facts);
    List<Judged> out = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      out.add(new Judged(parts.get(i), verdicts.get(i)));
    }
    return out;
  }

  /** A part and its verdict. */
  public record Judged(Segment segment, ClaimVerdict verdict) {}

  private static boolean followedByItsClaim(World world, Segment reflection, Segment next) {
    if (next == null || next.kind() != Segment.Kind.CLAIM) {
      return false;
    }
    int cell = world.namedCell(reflection.words());
    return cell < 0 || cell == world.grid().cell(next.claim());
  }
}
