package dev.perceval.tts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Task;
import dev.perceval.prm.FlaggedClaim;
import dev.perceval.prm.Verifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each strategy on a scripted policy and verifier, where every cut, vote and count is known. */
class StrategiesTest {
  static final Tokenizer TOK = Tokenizer.of(List.of("<think>", "</think>", "<answer>", "</answer>", "the", "digit",
      "is", "3", "7", "9", ".", "so", "wait", ",", "let", "me", "look", "again", ":", "q", "at", "top", "left"));
  static final Task TASK = new Task("t1", "digits", "digit-at", "q", null, "7", List.of(), new float[3], 1);
  static final Task OTHER = new Task("t2", "digits", "digit-at", "q", null, "9", List.of(), new float[3], 1);

  /** Continues by a script keyed on (task, prefix text); records every prefix it was given. */
  static class ScriptedPolicy implements TtsPolicy {
    final Map<String, List<String>> script;
    final List<String> prefixes = new ArrayList<>();
    int calls;

    ScriptedPolicy(Map<String, List<String>> script) {
      this.script = script;
    }

    @Override
    public List<Generation> generate(List<Row> rows) {
      calls++;
      List<Generation> out = new ArrayList<>();
      for (Row r : rows) {
        String prefix = String.join(" ", TOK.words(r.prefix()));
        prefixes.add(r.task().id() + "|" + prefix);
        List<String> options = script.get(r.task().id() + "|" + prefix);
        if (options == null) {
          throw new AssertionError("unscripted prefix '" + prefix + "'");
        }
        // Independent samples differ by seed: pick the option by the sample's index in the script.
        String text = options.get((int) Math.floorMod(r.seed(), (long) options.size()));
        int[] ids = TOK.encode(text);
        out.add(new Generation(ids, new float[ids.length], true));
      }
      return out;
    }
  }

  /** Flags every "the digit is X" claim whose X is not the task's answer. */
  static final Verifier WRONG_DIGITS = (tasks, responses) -> {
    List<List<FlaggedClaim>> out = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      List<String> w = TOK.words(responses.get(i));
      List<FlaggedClaim> flags = new ArrayList<>();
      for (int t = 0; t + 3 < w.size(); t++) {
        if (w.get(t).equals("the") && w.get(t + 1).equals("digit") && w.get(t + 2).equals("is")
            && !w.get(t + 3).equals(tasks.get(i).answer())) {
          flags.add(new FlaggedClaim(String.join(" ", w.subList(t, t + 4)), t, t + 4, 0.9, null));
        }
      }
      out.add(flags);
    }
    return out;
  };

  static String response(String digit) {
    return "the digit is " + digit + " . so " + digit + " . </think> <answer> " + digit + " </answer>";
  }

  @Test
  void truncateCutsBeforeTheEarliestFlaggedTokenAndStopsWhenClean() {
    ScriptedPolicy policy = new ScriptedPolicy(Map.of(
        "t1|", List.of("<think> the digit is 7 . " + response("3")),
        "t1|<think> the digit is 7 .", List.of(response("7"))));
    TtsResult r = Strategies.get("truncate").run(List.of(TASK), 4, 11L, new TtsStrategy.Tools(policy, WRONG_DIGITS, TOK))
        .get(0);
    assertEquals(2, r.rounds().size());
    assertEquals(6, r.rounds().get(0).cutAt(), "cut just before the second claim, the first flagged one");
    assertEquals(1, r.rounds().get(0).flagged().size());
    assertEquals(-1, r.rounds().get(1).cutAt());
    assertEquals(6, r.rounds().get(1).kept());
    assertEquals("7", r.answer());
    assertEquals(1, r.chosen());
    int first = TOK.encode("<think> the digit is 7 . " + response("3")).length;
    int second = TOK.encode(response("7")).length;
    assertEquals(new Budget(first + second, 2, 2), r.budget());
  }

  @Test
  void truncateStopsAfterKRoundsAndAnswersFromTheLastResponse() {
    ScriptedPolicy policy = new ScriptedPolicy(Map.of(
        "t1|", List.of("<think> " + response("3")),
        "t1|<think>", List.of(response("9"))));
    TtsResult r = Strategies.get("truncate").run(List.of(TASK), 3, 5L, new TtsStrategy.Tools(policy, WRONG_DIGITS, TOK))
        .get(0);
    assertEquals(3, r.rounds().size());
    assertEquals("9", r.answer());
    assertEquals(-1, r.rounds().get(2).cutAt(), "no cut after the last round");
    assertEquals(1, r.rounds().get(2).flagged().size(), "the last response is still flagged");
    assertEquals(3, r.budget().prmCalls());
    assertEquals(3, policy.calls);
  }

  @Test
  void truncateStopsWhenThePrefixWouldLeaveNoRoomToGenerate() {
    ScriptedPolicy roomy = new ScriptedPolicy(Map.of("t1|", List.of("<think> the digit is 7 . " + response("3")))) {
      @Override
      public int maxPrefix(Task task) {
        return 5;
      }
    };
    TtsResult r = Strategies.get("truncate").run(List.of(TASK), 4, 11L, new TtsStrategy.Tools(roomy, WRONG_DIGITS, TOK))
        .get(0);
    assertEquals(1, r.rounds().size(), "the cut at token 6 would exceed the 5 tokens of room");
    assertEquals(-1, r.rounds().get(0).cutAt());
    assertEquals("3", r.answer());
  }

  @Test
  void truncateThinkingAppendsAReflectionOnTheFlaggedClaim() {
    assertEquals("wait , let me look again at top left .", Reflection.sentence("red 3 at top left"));
    String reflection = "wait , let me look again .";
    ScriptedPolicy policy = new ScriptedPolicy(Map.of(
        "t1|", List.of("<think> " + response("3")),
        "t1|<think> " + reflection, List.of("the digit is 7 . so 7 . </think> <answer> 7 </answer>")));
    TtsResult r = Strategies.get("truncate-thinking").run(List.of(TASK), 4, 5L,
        new TtsStrategy.Tools(policy, WRONG_DIGITS, TOK)).get(0);
    assertEquals(reflection, r.rounds().get(0).reflection());
    assertEquals(1, r.rounds().get(0).cutAt());
    Round last = r.rounds().get(1);
    assertEquals(1 + TOK.encode(reflection).length, last.kept(), "the reflection is kept, not generated");
    assertEquals("<think> " + reflection + " the digit is 7 . so 7 . </think> <answer> 7 </answer>",
        String.join(" ", TOK.words(last.response())));
    assertEquals("7", r.answer());
    assertEquals(TOK.encode("<think> " + response("3")).length + TOK.encode("the digit is 7 . so 7 . </think> <answer> 7 </answer>").length,
        r.budget().generatedTokens());
    Tokenizer small = Tokenizer.of(List.of("<think>", "</think>", "<answer>", "</answer>", "the", "digit", "is", "3", "7"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reflection.tokens(small, reflection));
    assertTrue(e.getMessage().contains("lacks 'wait'"), e.getMessage());
  }

  @Test
  void aNewReflectionReplacesOneThePrefixEndsWith() {
    String reflection = "wait , let me look again .";
    ScriptedPolicy policy = new ScriptedPolicy(Map.of(
        "t1|", List.of("<think> " + response("3")),
        "t1|<think> " + reflection, List.of(response("9"))));
    TtsResult r = Strategies.get("truncate-thinking").run(List.of(TASK), 3, 5L,
        new TtsStrategy.Tools(policy, WRONG_DIGITS, TOK)).get(0);
    assertEquals(3, r.rounds().size());
    assertEquals(List.of("t1|", "t1|<think> " + reflection, "t1|<think> " + reflection), policy.prefixes);
    assertArrayEquals(TOK.encode("<think> the digit is"),
        Reflection.withoutTrailing(TOK, TOK.encode("<think> the digit is")), "no reflection at the end: unchanged");
  }

  @Test
  void majorityBreaksTiesByFirstAppearanceAndIgnoresMalformedAnswers() {
    assertEquals(0, MajorityStrategy.vote(Arrays.asList("a", "b", "b", "a")));
    assertEquals(2, MajorityStrategy.vote(Arrays.asList(null, "b", "c", "c")));
    assertEquals(0, MajorityStrategy.vote(Arrays.asList(null, null)));
    ScriptedPolicy policy = new ScriptedPolicy(Map.of("t1|", List.of("<think> " + response("3"),
        "<think> " + response("7"), "<think> the digit is 7 . </think> 7", "<think> " + response("7"))));
    List<TtsResult> rs = Strategies.get("majority").run(List.of(TASK, TASK), 6, 3L, new TtsStrategy.Tools(policy, null, TOK));
    for (TtsResult r : rs) {
      assertEquals(6, r.rounds().size());
      assertEquals(0, r.budget().prmCalls());
      assertEquals(6, r.budget().policyCalls());
      String winner = r.answer();
      long votes = r.rounds().stream().filter(x -> winner != null && winner.equals(x.answer())).count();
      for (Round x : r.rounds()) {
        if (x.answer() != null) {
          assertTrue(r.rounds().stream().filter(y -> x.answer().equals(y.answer())).count() <= votes);
        }
      }
    }
    assertEquals(1, policy.calls, "all questions' samples go in one policy call");
  }

  @Test
  void bestOfNPicksTheFewestFlaggedClaimsThenTheLowestErrorMass() {
    FlaggedClaim a = new FlaggedClaim("x", 0, 1, 0.9, null);
    FlaggedClaim b = new FlaggedClaim("y", 1, 2, 0.6, null);
    assertEquals(2, BestOfNStrategy.best(List.of(List.of(a, b), List.of(a), List.of(b))),
        "same count: the lower probability wins");
    assertEquals(2, BestOfNStrategy.best(List.of(List.of(a), List.of(a, b), List.of())));
    assertEquals(0, BestOfNStrategy.best(List.of(List.of(b), List.of(b))), "full ties go to the earliest");
    ScriptedPolicy policy = new ScriptedPolicy(Map.of("t2|", List.of("<think> " + response("3"),
        "<think> " + response("9"))));
    TtsResult r = Strategies.get("best-of-n").run(List.of(OTHER), 4, 1L, new TtsStrategy.Tools(policy, WRONG_DIGITS, TOK))
        .get(0);
    assertTrue(r.rounds().stream().anyMatch(x -> "9".equals(x.answer())), "the script offers a clean response");
    assertEquals("9", r.answer());
    assertEquals(4, r.budget().prmCalls());
  }

  @Test
  void everyStrategyReportsEachRoundOnceInTheResultsOrderAndATruncatedOneBeforeItsNextCall() {
    ScriptedPolicy policy = new ScriptedPolicy(Map.of(
        "t1|", List.of("<think> " + response("3")),
        "t1|<think>", List.of(response("9")),
        "t2|", List.of("<think> " + response("9"))));
    for (String name : List.of("truncate", "majority", "best-of-n")) {
      List<List<Round>> heard = List.of(new ArrayList<>(), new ArrayList<>());
      List<Integer> callsWhenHeard = new ArrayList<>();
      int before = policy.calls;
      List<TtsResult> rs = Strategies.get(name).run(List.of(TASK, OTHER), 3, 5L, new TtsStrategy.Tools(policy,
          WRONG_DIGITS, TOK, (q, round) -> {
            heard.get(q).add(round);
            callsWhenHeard.add(policy.calls - before);
          }));
      for (int q = 0; q < 2; q++) {
        assertEquals(rs.get(q).rounds(), heard.get(q), name + ", question " + q);
      }
      if (name.equals("truncate")) {
        assertTrue(rs.get(0).rounds().size() > 1, "the script makes truncate run several rounds");
        assertEquals(1, callsWhenHeard.get(0), "the first round is heard before the second policy call");
      }
    }
  }

  @Test
  void strategiesDeclareWhatTheyNeedSoCallersNeedNotKnowThemByName() {
    assertEquals(List.of("truncate", "truncate-thinking", "majority", "best-of-n"), Strategies.REGISTRY.names());
    assertFalse(Strategies.get("majority").needs().verifier());
    for (String s : List.of("truncate", "truncate-thinking", "best-of-n")) {
      assertTrue(Strategies.get(s).needs().verifier(), s);
    }
    Tokenizer small = Tokenizer.of(List.of("<think>", "</think>", "<answer>", "</answer>", "wait", ",", "the"));
    assertEquals(List.of("let", "me", "look", "again"), Strategies.get("truncate-thinking").needs().wordsMissingFrom(small));
    assertEquals(List.of(), Strategies.get("truncate-thinking").needs().wordsMissingFrom(TOK));
    assertEquals(List.of(), Strategies.get("truncate").needs().wordsMissingFrom(small));
  }

  @Test
  void unknownStrategiesAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Strategies.get("beam"));
    assertEquals("unknown TTS strategy 'beam' (known: truncate, truncate-thinking, majority, best-of-n)", e.getMessage());
    assertNull(TtsStrategy.answer(TOK, TOK.encode("<think> the digit is 7 .")));
    assertArrayEquals(new int[] {1, 2, 3}, TtsStrategy.concat(new int[] {1}, new int[] {2, 3}));
  }
}
