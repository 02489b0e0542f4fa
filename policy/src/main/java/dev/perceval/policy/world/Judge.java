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
    int firstReasoning = -1;
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
        case REASONING -> {
          firstReasoning = firstReasoning < 0 ? i : firstReasoning;
          yield ClaimVerdict.CORRECT;
        }
        case OTHER -> ClaimVerdict.CORRECT;
      });
    }
    int reading = firstReasoning;
    for (int i = parts.size() - 1; reading < 0 && i >= 0; i--) {
      reading = parts.get(i).judged() ? i : -1;
    }
    if (reading >= 0 && out.get(reading).correct()) {
      Set<Integer> stated = new HashSet<>();
      for (Segment p : parts.subList(0, reading)) {
        if (p.kind() == Segment.Kind.CLAIM) {
          stated.add(grid.cell(p.claim()));
        }
      }
      if (!stated.containsAll(occupied)) {
        out.set(reading, ClaimVerdict.wrong(ErrorType.OMISSION));
      }
    }
    return out;
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
