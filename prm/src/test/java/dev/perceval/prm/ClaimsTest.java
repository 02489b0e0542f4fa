package dev.perceval.prm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Segment;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClaimsTest {
  static final World DIGITS = Worlds.create("digits", WorldConfig.defaults());
  static final Tokenizer TOK = Tokenizer.of(DIGITS.vocabulary());

  static List<Segment> segments(String text) {
    return Claims.segments(DIGITS, TOK, TOK.encode(text));
  }

  @Test
  void spansIndexTheSampledTokens() {
    String text = "<think> red 3 at top left . blue 5 at middle center . 3 + 5 = 8 . </think> <answer> 8 </answer>";
    int[] ids = TOK.encode(text);
    List<Segment> s = Claims.segments(DIGITS, TOK, ids);
    assertEquals(3, s.size());
    assertEquals(new Segment(1, 6, List.of("red", "3", "at", "top", "left"), Segment.Kind.CLAIM,
        new Fact("digit", "3", "red", null, 0, 0)), s.get(0));
    assertEquals(7, s.get(1).start());
    assertEquals(12, s.get(1).end());
    assertEquals("blue 5 at middle center", TOK.decode(java.util.Arrays.copyOfRange(ids, 7, 12)));
    assertNull(s.get(2).claim());
    assertEquals("3 + 5 = 8", s.get(2).text());
  }

  @Test
  void repeatedClaimsAreEachFound() {
    List<Segment> s = Claims.claims(DIGITS, TOK, TOK.encode(
        "<think> red 3 at top left . red 3 at top left . red 3 at top left . </think> <answer> 3 </answer>"));
    assertEquals(3, s.size());
    assertEquals(List.of(1, 7, 13), s.stream().map(Segment::start).toList());
  }

  @Test
  void malformedResponsesAreHandled() {
    assertTrue(segments("").isEmpty());
    assertTrue(segments("red 3 at top left . <answer> 3 </answer>").isEmpty(), "no think tag");
    assertEquals(2, segments("<think> red 3 at top left . blue 5").size(), "cut off");
    assertEquals(1, segments("<think> . . red 3 at top left . . </think>").size(), "empty segments");
    assertEquals(1, segments("<think> red 3 at top left <answer> 3 </answer>").size(), "no closing tag");
    List<Segment> noSep = segments("<think> red 3 at top left blue 5 at top right </think>");
    assertEquals(1, noSep.size());
    assertNull(noSep.get(0).claim(), "run-together claims are not a claim");
    assertThrows(IllegalArgumentException.class, () -> Claims.segments(DIGITS, TOK, new int[] {TOK.size() + 5}));
  }
}
