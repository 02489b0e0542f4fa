package dev.perceval.policy.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClaimCreditTest {
  static final World DIGITS = Worlds.create("digits", WorldConfig.defaults());

  static List<String> words(String response) {
    return Arrays.asList(response.split(" "));
  }

  static float[][] zeros(List<List<String>> group, float value) {
    float[][] out = new float[group.size()][];
    for (int j = 0; j < group.size(); j++) {
      out[j] = new float[group.get(j).size()];
      Arrays.fill(out[j], value);
    }
    return out;
  }

  @Test
  void aReadingTheVerifierAcceptsRisesOverTheGroupsOtherReadingsOfItsCell() {
    // Three readings of the top-left digit; the verifier flags the second (tokens 1..5).
    List<List<String>> group = List.of(
        words("<think> blue 4 at top left . blue : 4 . </think> <answer> 4 </answer>"),
        words("<think> blue 9 at top left . blue : 9 . </think> <answer> 9 </answer>"),
        words("<think> blue 4 at top left . blue : 4 . </think> <answer> 4 </answer>"));
    List<List<TokenAdvantages.Span>> flagged = List.of(List.of(), List.of(new TokenAdvantages.Span(1, 6)), List.of());
    float[][] adv = zeros(group, -0.5f);
    int credited = ClaimCredit.add(DIGITS, 1.5, group, flagged, adv);
    assertEquals(3, credited);
    float up = (float) (-0.5 + 1.5 * (1 - 2 / 3.0));
    float down = (float) (-0.5 + 1.5 * (0 - 2 / 3.0));
    assertArrayEquals(new float[] {-0.5f, up, up, up, up, up, -0.5f}, Arrays.copyOf(adv[0], 7), 1e-6f);
    assertArrayEquals(new float[] {-0.5f, down, down, down, down, down, -0.5f}, Arrays.copyOf(adv[1], 7), 1e-6f);
    // The reasoning and answer keep the outcome advantage.
    for (int t = 6; t < adv[2].length; t++) {
      assertEquals(-0.5f, adv[2][t]);
    }
  }

  @Test
  void readingsAllAlikeOrAloneEarnNothingNorDoesRepeatingAClaim() {
    List<List<String>> group = List.of(
        words("<think> blue 4 at top left . blue 4 at top left . red 2 at middle center . </think>"),
        words("<think> blue 4 at top left . </think>"));
    float[][] adv = zeros(group, 0.25f);
    // Both right at top left (all alike); middle center has one claim only; the repeat is not counted.
    assertEquals(0, ClaimCredit.add(DIGITS, 1.0, group, List.of(List.of(), List.of()), adv));
    for (float[] row : adv) {
      for (float a : row) {
        assertEquals(0.25f, a);
      }
    }
  }

  @Test
  void zeroCreditLeavesTheAdvantagesAlone() {
    List<List<String>> group = List.of(words("<think> blue 4 at top left . </think>"),
        words("<think> blue 9 at top left . </think>"));
    float[][] adv = zeros(group, 1f);
    assertEquals(0, ClaimCredit.add(DIGITS, 0, group,
        List.of(List.of(), List.of(new TokenAdvantages.Span(1, 6))), adv));
    assertArrayEquals(zeros(group, 1f)[1], adv[1]);
  }
}
