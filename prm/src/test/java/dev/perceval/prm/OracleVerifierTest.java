package dev.perceval.prm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.util.List;
import org.junit.jupiter.api.Test;

class OracleVerifierTest {
  static final World DIGITS = ClaimsTest.DIGITS;
  static final Tokenizer TOK = ClaimsTest.TOK;
  static final Task SCENE = new Task("crafted", "digits", "sum", "what is the sum of all digits ?", null, "8",
      List.of(new Fact("digit", "3", "red", null, 0, 0), new Fact("digit", "5", "blue", null, 1, 1)),
      new float[3 * 48 * 48], 48);

  static List<FlaggedClaim> verify(String response) {
    return new OracleVerifier(DIGITS, TOK).verify(SCENE, TOK.encode(response));
  }

  @Test
  void correctResponseHasNothingFlagged() {
    assertTrue(verify("<think> red 3 at top left . blue 5 at middle center . 3 + 5 = 8 . </think> <answer> 8 </answer>").isEmpty());
  }

  @Test
  void eachWrongClaimIsFlaggedWithItsSpanAndType() {
    List<FlaggedClaim> f = verify("<think> red 4 at top left . green 5 at middle center . red 3 at bottom right ."
        + " red 4 at top left . </think> <answer> 8 </answer>");
    assertEquals(List.of(
        new FlaggedClaim("red 4 at top left", 1, 6, 1.0, ErrorType.VALUE),
        new FlaggedClaim("green 5 at middle center", 7, 12, 1.0, ErrorType.COLOUR),
        new FlaggedClaim("red 3 at bottom right", 13, 18, 1.0, ErrorType.POSITION),
        new FlaggedClaim("red 4 at top left", 19, 24, 1.0, ErrorType.VALUE)), f);
  }

  @Test
  void shapesErrorTypes() {
    World shapes = Worlds.create("shapes", WorldConfig.defaults());
    Tokenizer tok = Tokenizer.of(shapes.vocabulary());
    Task t = new Task("s", "shapes", "count-kind", "how many circles are there ?", null, "1",
        List.of(new Fact("shape", "circle", "red", "large", 2, 2)), new float[3 * 48 * 48], 48);
    List<FlaggedClaim> f = new OracleVerifier(shapes, tok).verify(t, tok.encode(
        "<think> large red square at bottom right . small red circle at bottom right . large red circle at bottom right . </think>"));
    assertEquals(List.of(ErrorType.KIND, ErrorType.SIZE), f.stream().map(FlaggedClaim::errorType).toList());
  }

  @Test
  void needsGroundTruth() {
    Task noFacts = new Task("u", "user", null, "q", null, "1", List.of(), new float[3 * 48 * 48], 48);
    assertThrows(IllegalArgumentException.class,
        () -> new OracleVerifier(DIGITS, TOK).verify(noFacts, TOK.encode("<think> </think>")));
  }

  @Test
  void evasionsAreFlaggedOnTheSampledTokens() {
    // Half a claim, a reflection where a claim should be, and the reasoning over a scene read in part.
    List<FlaggedClaim> f = verify("<think> red 3 at top left . 5 at middle center . wait , let me look again at"
        + " middle center . 3 + 5 = 8 . </think> <answer> 8 </answer>");
    assertEquals(List.of(
        new FlaggedClaim("5 at middle center", 7, 11, 1.0, ErrorType.MALFORMED),
        new FlaggedClaim("wait , let me look again at middle center", 12, 21, 1.0, ErrorType.EVASION),
        new FlaggedClaim("3 + 5 = 8", 22, 27, 1.0, ErrorType.OMISSION)), f);
  }
}
