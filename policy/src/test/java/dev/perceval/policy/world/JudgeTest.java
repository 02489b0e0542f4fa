package dev.perceval.policy.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class JudgeTest {
  static final World DIGITS = Worlds.create("digits", WorldConfig.defaults());

  static Fact digit(String value, String colour, int row, int col) {
    return new Fact("digit", value, colour, null, row, col);
  }

  /** Segment text -> error type of each wrong segment, in order. */
  static Map<String, ErrorType> wrong(World world, String response, List<Fact> facts) {
    Map<String, ErrorType> out = new java.util.LinkedHashMap<>();
    for (Judge.Judged j : Judge.judge(world, Arrays.asList(response.split(" ")), facts)) {
      if (!j.verdict().correct()) {
        out.merge(j.segment().start() + ": " + j.segment().text(), j.verdict().error(), (a, b) -> a);
      }
    }
    return out;
  }

  static Stream<World> worlds() {
    return Stream.of(DIGITS, Worlds.create("shapes", WorldConfig.defaults()));
  }

  @ParameterizedTest
  @MethodSource("worlds")
  void goldThinkingIsNeverJudgedWrong(World world) {
    Map<String, Integer> kinds = new TreeMap<>();
    for (int i = 0; i < 400; i++) {
      Task t = world.task(Split.TRAIN, 11, i);
      List<String> words = Arrays.asList(t.goldResponse().split(" "));
      for (Judge.Judged j : Judge.judge(world, words, t.facts())) {
        assertTrue(j.verdict().correct(), t.goldResponse() + ": " + j);
        assertTrue(j.segment().judged(), "every gold segment is judged: " + j);
        kinds.merge(j.segment().kind().name(), 1, Integer::sum);
      }
    }
    assertEquals(List.of("CLAIM", "REASONING", "REFLECTION"), new ArrayList<>(kinds.keySet()), kinds.toString());
  }

  @Test
  void reflectionsInPlaceOfClaimsAreEvasionAndTheirObjectsOmitted() {
    // A policy penalised only for wrong claims learned to write this instead of its unsure claims.
    List<Fact> scene = List.of(digit("4", "blue", 0, 0), digit("7", "magenta", 0, 2), digit("4", "magenta", 1, 1));
    String r = "<think> blue 4 at top left . wait , let me look again at top right . wait , let me look again at"
        + " top right . wait , let me look again at middle center . magenta : 4 + 4 = 11 . </think>"
        + " <answer> 11 </answer>";
    assertEquals(Map.of(
        "7: wait , let me look again at top right", ErrorType.EVASION,
        "17: wait , let me look again at top right", ErrorType.EVASION,
        "27: wait , let me look again at middle center", ErrorType.EVASION,
        "37: magenta : 4 + 4 = 11", ErrorType.OMISSION), wrong(DIGITS, r, scene));
  }

  @Test
  void aReflectionFollowedByItsClaimStands() {
    List<Fact> scene = List.of(digit("4", "blue", 0, 0), digit("7", "magenta", 0, 2));
    assertEquals(Map.of(), wrong(DIGITS, "<think> blue 4 at top left . wait , let me look again at top right ."
        + " magenta 7 at top right . 4 + 7 = 11 . </think> <answer> 11 </answer>", scene));
    assertEquals(Map.of("7: wait , let me look again at top right", ErrorType.EVASION),
        wrong(DIGITS, "<think> blue 4 at top left . wait , let me look again at top right ."
            + " blue 4 at top left . magenta 7 at top right . 4 + 7 = 11 . </think> <answer> 11 </answer>", scene),
        "the claim after a reflection must be about the cell it looked at again");
  }

  @Test
  void anObjectLeftOutMakesTheReasoningWrong() {
    // The penalised policy left the yellow 6 out, so its colour sum needs no claim about it.
    List<Fact> scene = List.of(digit("2", "magenta", 0, 1), digit("7", "green", 0, 2), digit("6", "yellow", 2, 0),
        digit("2", "yellow", 1, 1));
    String r = "<think> magenta 2 at top center . green 7 at top right . yellow : 2 = 2 . </think> <answer> 2 </answer>";
    assertEquals(Map.of("13: yellow : 2 = 2", ErrorType.OMISSION), wrong(DIGITS, r, scene));
  }

  @Test
  void withoutReasoningTheLastSegmentCarriesTheOmission() {
    List<Fact> scene = List.of(digit("2", "magenta", 0, 1), digit("7", "green", 0, 2));
    assertEquals(Map.of("1: magenta 2 at top center", ErrorType.OMISSION),
        wrong(DIGITS, "<think> magenta 2 at top center . </think> <answer> 2 </answer>", scene));
  }

  @Test
  void halfClaimsTheParserCannotReadAreJudged() {
    // The penalised policy's partial claims: the bare cell names and the claim without its colour.
    List<Fact> scene = List.of(digit("9", "blue", 1, 0), digit("1", "blue", 2, 0), digit("9", "red", 2, 2));
    String r = "<think> blue 9 at middle left . blue 1 at bottom left . 9 at bottom right . 9 + 1 + 9 = 19 ."
        + " </think> <answer> 19 </answer>";
    assertEquals(Map.of("13: 9 at bottom right", ErrorType.MALFORMED,
        "18: 9 + 1 + 9 = 19", ErrorType.OMISSION), wrong(DIGITS, r, scene));
    String cells = "<think> blue 9 at middle left . blue 1 at bottom left . red 9 at bottom right . top right ."
        + " bottom right . red at . 3 at middle . 9 + 1 + 9 = 19 . </think> <answer> 19 </answer>";
    assertEquals(Map.of("19: top right", ErrorType.POSITION, "22: bottom right", ErrorType.MALFORMED,
        "25: red at", ErrorType.MALFORMED, "28: 3 at middle", ErrorType.MALFORMED), wrong(DIGITS, cells, scene),
        "a statement about an empty cell is a position error; any other unreadable one is malformed");
  }

  @Test
  void wordsThatSayNothingAboutTheImageAreNotJudged() {
    List<Fact> scene = List.of(digit("9", "blue", 1, 0));
    List<Segment> s = Judge.segments(DIGITS, Arrays.asList(
        "<think> blue 9 at middle left . how many . 9 = 9 . </think> <answer> 9 </answer>".split(" ")));
    assertEquals(List.of(Segment.Kind.CLAIM, Segment.Kind.OTHER, Segment.Kind.REASONING),
        s.stream().map(Segment::kind).toList());
    assertEquals(Map.of(), wrong(DIGITS, "<think> blue 9 at middle left . how many . 9 = 9 . </think>", scene));
  }

  /** A reader certain of what each cell of the scene holds. */
  static Judge.Belief certain(World world, List<Fact> facts) {
    PerceptionClasses classes = world.perceptionClasses();
    Fact[] cells = new Fact[world.grid().cells()];
    facts.forEach(f -> cells[world.grid().cell(f)] = f);
    return new Judge.Belief() {
      @Override
      public double object(int cell, int objectClass) {
        return classes.objectClass(cells[cell]) == objectClass ? 1 : 0;
      }

      @Override
      public double colour(int cell, int colourClass) {
        return classes.colourClass(cells[cell]) == colourClass ? 1 : 0;
      }
    };
  }

  @Test
  void aReaderCertainOfTheSceneJudgesAsTheFactsDo() {
    for (int i = 0; i < 300; i++) {
      Task t = DIGITS.task(Split.TRAIN, 2, i);
      // The gold thinking, and the same with its first claim misread, its second left out and a
      // reflection put where its third was.
      List<String> responses = new ArrayList<>(List.of(t.goldResponse()));
      List<Fact> f = t.facts();
      String edited = t.goldResponse().replace(DIGITS.claimText(f.get(0)),
          DIGITS.claimText(f.get(0).withValue(f.get(0).value().equals("1") ? "2" : "1")))
          .replace(DIGITS.claimText(f.get(1)) + " . ", "");
      if (f.size() > 2) {
        edited = edited.replace(DIGITS.claimText(f.get(2)), Reflections.sentence(DIGITS.claimText(f.get(2))));
      }
      responses.add(edited);
      for (String r : responses) {
        List<Segment> segments = Judge.segments(DIGITS, Arrays.asList(r.split(" ")));
        List<ClaimVerdict> verdicts = Judge.verdicts(DIGITS, segments, f);
        double[] p = Judge.wrongProbabilities(DIGITS, segments, certain(DIGITS, f));
        for (int j = 0; j < segments.size(); j++) {
          assertEquals(verdicts.get(j).correct() ? 0.0 : 1.0, p[j], 1e-12, r + " at " + segments.get(j));
        }
      }
    }
  }

  @Test
  void doubtAboutACellMakesItsClaimAndAnOmissionUncertain() {
    List<Fact> scene = List.of(digit("4", "blue", 0, 0));
    PerceptionClasses classes = DIGITS.perceptionClasses();
    Judge.Belief unsure = new Judge.Belief() {
      @Override
      public double object(int cell, int objectClass) {
        if (cell == 0) {
          return objectClass == classes.objectClass(scene.get(0)) ? 0.8 : 0.2 / (classes.objects().size() - 1);
        }
        // Bottom right might hold something: a reading that names no object there may omit one.
        double empty = cell == 8 ? 0.7 : 1.0;
        return objectClass == classes.objectClass(null) ? empty : (1 - empty) / (classes.objects().size() - 1);
      }

      @Override
      public double colour(int cell, int colourClass) {
        return cell == 0 ? (colourClass == classes.colourClass(scene.get(0)) ? 1 : 0)
            : (colourClass == classes.colourClass(null) ? 1 : 0);
      }
    };
    List<Segment> s = Judge.segments(DIGITS, Arrays.asList(
        "<think> blue 4 at top left . 4 = 4 . </think> <answer> 4 </answer>".split(" ")));
    double[] p = Judge.wrongProbabilities(DIGITS, s, unsure);
    assertEquals(0.2, p[0], 1e-12);
    assertEquals(0.3, p[1], 1e-12);
  }
}
