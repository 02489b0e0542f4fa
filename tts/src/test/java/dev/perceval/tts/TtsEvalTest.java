package dev.perceval.tts;

import static dev.perceval.tts.StrategiesTest.OTHER;
import static dev.perceval.tts.StrategiesTest.TASK;
import static dev.perceval.tts.StrategiesTest.TOK;
import static dev.perceval.tts.StrategiesTest.WRONG_DIGITS;
import static dev.perceval.tts.StrategiesTest.response;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.perceval.policy.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The evaluation's summary on a scripted policy: t1 is answered right at once, t2 wrongly every time. */
class TtsEvalTest {
  static final String RIGHT = "<think> " + response("7");
  static final String WRONG = "<think> " + response("3");

  @Test
  void rowsCountAccuracyAndMeanBudgetPerQuestionForEveryStrategyAndK() {
    StrategiesTest.ScriptedPolicy policy = new StrategiesTest.ScriptedPolicy(Map.of(
        "t1|", List.of(RIGHT), "t2|", List.of(WRONG), "t2|<think>", List.of(response("3"))));
    List<TtsEval.Row> seen = new ArrayList<>();
    List<TtsEval.Row> rows = TtsEval.run(List.of("truncate", "majority"), List.of(1, 2), List.of(TASK, OTHER), 5L,
        new TtsStrategy.Tools(policy, WRONG_DIGITS, TOK), seen::add);
    assertEquals(rows, seen, "each row is handed over as it completes");
    assertEquals(List.of("truncate@1", "truncate@2", "majority@1", "majority@2"),
        rows.stream().map(r -> r.strategy() + "@" + r.k()).toList());
    int right = TOK.encode(RIGHT).length;
    int wrong = TOK.encode(WRONG).length;
    int regenerated = TOK.encode(response("3")).length;
    // truncate, k = 1: one sample each, verified once, nothing cut.
    assertRow(rows.get(0), 0.5, (right + wrong) / 2.0, 1, 1);
    // truncate, k = 2: t1 is clean at once; t2 is cut after <think> and regenerated, still wrong.
    assertRow(rows.get(1), 0.5, (right + wrong + regenerated) / 2.0, 1.5, 1.5);
    // majority never verifies; it samples k responses per question.
    assertRow(rows.get(2), 0.5, (right + wrong) / 2.0, 1, 0);
    assertRow(rows.get(3), 0.5, (right + wrong), 2, 0);
  }

  @Test
  void theBaselinesAreOneGreedyAnswerAndOneSample() {
    StrategiesTest.ScriptedPolicy greedy = new StrategiesTest.ScriptedPolicy(Map.of(
        "t1|", List.of(RIGHT), "t2|", List.of(RIGHT)));
    StrategiesTest.ScriptedPolicy sampled = new StrategiesTest.ScriptedPolicy(Map.of(
        "t1|", List.of(WRONG), "t2|", List.of(WRONG)));
    List<TtsEval.Row> rows = TtsEval.baselines(List.of(TASK, OTHER), 5L, new TtsStrategy.Tools(greedy, null, TOK),
        new TtsStrategy.Tools(sampled, WRONG_DIGITS, TOK), row -> {});
    assertEquals(List.of("greedy@1", "single sample@1"), rows.stream().map(r -> r.strategy() + "@" + r.k()).toList());
    assertRow(rows.get(0), 0.5, TOK.encode(RIGHT).length, 1, 0);
    assertRow(rows.get(1), 0.0, TOK.encode(WRONG).length, 1, 0);
    assertEquals(1, greedy.calls);
    assertEquals(1, sampled.calls);
  }

  @Test
  void finalResponsesAreJudgedLikeAGreedyEvaluation() {
    var world = dev.perceval.policy.world.Worlds.create("digits", dev.perceval.policy.world.WorldConfig.defaults());
    var t = world.task(dev.perceval.policy.world.Split.HELDOUT, 3, 0);
    var tok = Tokenizer.of(world.vocabulary());
    int[] gold = tok.encode(t.goldResponse());
    String wrongAnswer = t.answer().equals("1") ? "2" : "1";
    int[] misread = tok.encode(t.goldResponse().replace("<answer> " + t.answer(), "<answer> " + wrongAnswer)
        .replaceFirst(" [0-9] at ", " " + wrongAnswer + " at "));
    Round first = new Round(misread, 0, List.of(), 3, null, wrongAnswer);
    Round second = new Round(gold, 3, List.of(), -1, null, t.answer());
    var rightAtLast = new TtsResult("truncate", 2, List.of(first, second), 1, t.answer(), Budget.ZERO);
    var wrongChosen = new TtsResult("truncate", 2, List.of(first, second), 0, wrongAnswer, Budget.ZERO);
    var r = TtsEval.judge(world, tok, List.of(t, t), List.of(rightAtLast, wrongChosen));
    assertEquals(0.5, r.accuracy(), 1e-12);
    assertEquals(0.5, r.hallucinationRate(), 1e-12, "only the misread response holds a wrong claim");
  }

  private static void assertRow(TtsEval.Row r, double accuracy, double tokens, double policyCalls, double prmCalls) {
    String at = r.strategy() + "@" + r.k();
    assertEquals(accuracy, r.accuracy(), 1e-12, at + " accuracy");
    assertEquals(tokens, r.generatedTokens(), 1e-12, at + " generated tokens");
    assertEquals(policyCalls, r.policyCalls(), 1e-12, at + " policy calls");
    assertEquals(prmCalls, r.prmCalls(), 1e-12, at + " prm calls");
  }

  @Test
  void unknownStrategiesAreRefusedBeforeAnyRuns() {
    StrategiesTest.ScriptedPolicy policy = new StrategiesTest.ScriptedPolicy(Map.of());
    assertThrows(IllegalArgumentException.class, () -> TtsEval.run(List.of("majority", "beam"), List.of(1),
        List.of(TASK), 5L, new TtsStrategy.Tools(policy, null, TOK), row -> {}));
    assertEquals(0, policy.calls);
  }

  @Test
  void strategiesWhoseWordsThePolicyLacksAreSkippedWithTheMissingWords() {
    TtsEval.Selection all = TtsEval.runnable(TOK);
    assertEquals(Strategies.REGISTRY.names(), all.runnable());
    assertEquals(Map.of(), all.skipped());
    Tokenizer small = Tokenizer.of(List.of("<think>", "</think>", "<answer>", "</answer>", "wait", ",", "the"));
    TtsEval.Selection some = TtsEval.runnable(small);
    assertEquals(List.of("truncate", "majority", "best-of-n"), some.runnable());
    assertEquals(Map.of("truncate-thinking", List.of("let", "me", "look", "again")), some.skipped());
  }
}
