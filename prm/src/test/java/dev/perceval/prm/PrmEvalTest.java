package dev.perceval.prm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrmEvalTest {
  static final World DIGITS = ClaimsTest.DIGITS;
  static final Tokenizer TOK = ClaimsTest.TOK;
  static final List<PrmExample> SET = new PrmData(DIGITS, TOK).synthesize(Split.HELDOUT, 5, 0, 120,
      new PrmData.Mix(1, 0, 0, 2), null);

  @Test
  void flaggingEverythingRecallsAllAtThePrecisionOfTheWrongShare() {
    PrmEval.Counts c = PrmEval.evaluate(PrmEval.flagEverything(DIGITS, TOK), DIGITS, TOK, SET).overall();
    assertEquals(1.0, c.recall());
    assertEquals(0, c.tn());
    assertEquals((c.tp() + c.fn()) / (double) c.claims(), c.precision(), 1e-12);
    PrmEval.Counts oracle = PrmEval.evaluate(new OracleVerifier(DIGITS, TOK), DIGITS, TOK, SET).overall();
    assertEquals(1.0, oracle.f1());
    assertTrue(c.f1() < 0.9, "flag-everything is a baseline to beat, not a verifier: " + c.f1());
  }

  @Test
  void theBlankImageBaselineShowsTheVerifierABlackImage() {
    List<float[]> seen = new ArrayList<>();
    Verifier spy = (tasks, responses) -> {
      tasks.forEach(t -> seen.add(t.image()));
      return responses.stream().map(r -> List.<FlaggedClaim>of()).toList();
    };
    PrmEval.evaluate(PrmEval.blankImage(spy), DIGITS, TOK, SET);
    assertEquals(SET.size(), seen.size());
    for (float[] image : seen) {
      for (float v : image) {
        assertEquals(0f, v);
      }
    }
    Task first = SET.get(0).task();
    assertTrue(first.image().length == seen.get(0).length && first.image() != seen.get(0), "a copy, not the task's");
  }
}
