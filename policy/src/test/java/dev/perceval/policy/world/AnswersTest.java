package dev.perceval.policy.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnswersTest {
  static final Task TASK = new Task("t", "digits", "sum", "what is the sum of all digits ?", null, "8",
      List.of(), new float[3 * 12 * 12], 12);

  static double reward(String response) {
    return Answers.reward(TASK, response.isEmpty() ? List.of() : Arrays.asList(response.split(" ")));
  }

  @Test
  void rightAnswerInFormatEarnsOne() {
    assertEquals(1.0, reward("<think> red 3 at top left . 3 + 5 = 8 . </think> <answer> 8 </answer>"));
    assertEquals(1.0, reward("<think> </think> <answer> 8 </answer>"));
  }

  @Test
  void wrongAnswerEarnsZero() {
    assertEquals(0.0, reward("<think> 3 + 5 = 9 . </think> <answer> 9 </answer>"));
  }

  @Test
  void malformedResponsesEarnZero() {
    assertEquals(0.0, reward(""));
    assertEquals(0.0, reward("<answer> 8 </answer>"), "no thinking");
    assertEquals(0.0, reward("<think> 3 + 5 = 8 . <answer> 8 </answer>"), "unclosed think");
    assertEquals(0.0, reward("<think> . </think> <answer> 8 </answer> <answer> 8 </answer>"), "two answers");
    assertEquals(0.0, reward("<think> . </think> <answer> 8 </answer> ."), "trailing token");
    assertEquals(0.0, reward("<think> . </think> <answer> 8 8 </answer>"), "two answer tokens");
    assertEquals(0.0, reward("<think> . </think> <answer> </answer>"), "empty answer");
    assertEquals(0.0, reward("<think> <think> . </think> <answer> 8 </answer>"), "nested tag");
    assertEquals(0.0, reward("<think> . </think> <answer> 8"), "cut off");
  }

  @Test
  void thinkSegmentsTolerateMalformedText() {
    List<String> cut = Arrays.asList("<think> red 3 at top left . blue 5".split(" "));
    assertEquals(List.of(List.of("red", "3", "at", "top", "left"), List.of("blue", "5")), Answers.thinkSegments(cut));
    assertTrue(Answers.thinkSegments(List.of("red", "3")).isEmpty());
    // A second <think> ends the thinking, as </think> does: the reward, the evaluator and the
    // verifier's claim segments all read the same segments.
    List<String> reopened = Arrays.asList("<think> red 3 . <think> blue 5 . </think>".split(" "));
    assertEquals(List.of(List.of("red", "3")), Answers.thinkSegments(reopened));
    List<int[]> spans = Answers.thinkSpans(reopened);
    assertEquals(1, spans.size());
    assertArrayEquals(new int[] {1, 3}, spans.get(0));
    assertEquals(Optional.empty(), Answers.extractAnswer(List.of()));
  }
}
