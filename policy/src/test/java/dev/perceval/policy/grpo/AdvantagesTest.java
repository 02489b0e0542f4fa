package dev.perceval.policy.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class AdvantagesTest {
  private static final double EPS = 1e-6;

  private static AdvantageEstimator estimator(String name, boolean normalizeByStd) {
    return AdvantageEstimator.REGISTRY.create(name, new CampaignSpec.Algorithm(name, normalizeByStd, 0, 0, false,
        TokenShaper.NONE, 0));
  }

  @Test
  void grpoDividesByTheSampleStandardDeviation() {
    // mean 0.5; sample std sqrt((4 * 0.25) / 3) = 0.57735
    double a = 0.5 / (Math.sqrt(1.0 / 3) + 1e-6);
    assertArrayEquals(new double[] {a, -a, -a, a},
        estimator("grpo", true).advantages(new double[] {1, 0, 0, 1}), EPS);
    // mean 0.25, std sqrt((0.5625 + 3 * 0.0625) / 3) = 0.5
    assertArrayEquals(new double[] {0.75 / (0.5 + 1e-6), -0.25 / (0.5 + 1e-6), -0.25 / (0.5 + 1e-6), -0.25 / (0.5 + 1e-6)},
        estimator("grpo", true).advantages(new double[] {1, 0, 0, 0}), EPS);
  }

  @Test
  void drGrpoOnlyCentres() {
    assertArrayEquals(new double[] {0.75, -0.25, -0.25, -0.25},
        estimator("grpo", false).advantages(new double[] {1, 0, 0, 0}), EPS);
  }

  @Test
  void zeroVarianceAndSingletonGroupsHaveNoAdvantage() {
    assertArrayEquals(new double[] {0, 0, 0}, estimator("grpo", true).advantages(new double[] {1, 1, 1}), EPS);
    assertArrayEquals(new double[] {0}, estimator("grpo", true).advantages(new double[] {1}), EPS);
    assertArrayEquals(new double[] {0}, estimator("rloo", true).advantages(new double[] {1}), EPS);
  }

  @Test
  void rlooUsesTheOthersMean() {
    assertArrayEquals(new double[] {1, -1.0 / 3, -1.0 / 3, -1.0 / 3},
        estimator("rloo", true).advantages(new double[] {1, 0, 0, 0}), EPS);
  }

  @Test
  void unknownEstimatorNamesTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> estimator("ppo", true));
    assertEquals("unknown advantage estimator 'ppo' (known: grpo, rloo)", e.getMessage());
  }

  @Test
  void flaggedTokensLoseAlphaTimesTheAbsoluteAdvantageForBothSigns() {
    List<TokenAdvantages.Span> spans = List.of(new TokenAdvantages.Span(1, 3));
    TokenAdvantages.Penalty p = TokenAdvantages.Penalty.paper(0.1);
    assertArrayEquals(new float[] {0.8f, 0.72f, 0.72f, 0.8f},
        TokenAdvantages.of(0.8, 4, spans, null, false, p), 1e-6f);
    assertArrayEquals(new float[] {-0.8f, -0.88f, -0.88f, -0.8f},
        TokenAdvantages.of(-0.8, 4, spans, null, false, p), 1e-6f);
  }

  @Test
  void zeroVarianceGroupsGetNoPenaltyUnlessTheOptionIsOn() {
    List<TokenAdvantages.Span> spans = List.of(new TokenAdvantages.Span(0, 2));
    assertArrayEquals(new float[] {0, 0, 0}, TokenAdvantages.of(0, 3, spans, null, true,
        TokenAdvantages.Penalty.paper(0.1)), 1e-6f);
    assertArrayEquals(new float[] {-0.05f, -0.05f, 0}, TokenAdvantages.of(0, 3, spans, null, true,
        new TokenAdvantages.Penalty(0.1, 0.5, false)), 1e-6f);
    // The option does not touch groups that have reward variance.
    assertArrayEquals(new float[] {0.5f - 0.05f, 0.5f - 0.05f, 0.5f}, TokenAdvantages.of(0.5, 3, spans, null, false,
        new TokenAdvantages.Penalty(0.1, 0.5, false)), 1e-6f);
  }

  @Test
  void contentOnlySkipsFunctionWordsInsideASpan() {
    // "red 3 at top left": "at" is a function word
    boolean[] function = {false, false, true, false, false};
    List<TokenAdvantages.Span> spans = List.of(new TokenAdvantages.Span(0, 5));
    assertArrayEquals(new float[] {0.9f, 0.9f, 1f, 0.9f, 0.9f},
        TokenAdvantages.of(1, 5, spans, function, false, new TokenAdvantages.Penalty(0.1, 0, true)), 1e-6f);
    assertArrayEquals(new float[] {0.9f, 0.9f, 0.9f, 0.9f, 0.9f},
        TokenAdvantages.of(1, 5, spans, function, false, new TokenAdvantages.Penalty(0.1, 0, false)), 1e-6f);
  }

  @Test
  void overlappingSpansPenaliseOnceAndAlphaZeroIsPlainGrpo() {
    List<TokenAdvantages.Span> spans = List.of(new TokenAdvantages.Span(0, 2), new TokenAdvantages.Span(1, 3));
    assertArrayEquals(new float[] {0.9f, 0.9f, 0.9f}, TokenAdvantages.of(1, 3, spans, null, false,
        TokenAdvantages.Penalty.paper(0.1)), 1e-6f);
    assertArrayEquals(new float[] {1, 1, 1}, TokenAdvantages.of(1, 3, spans, null, false,
        TokenAdvantages.Penalty.paper(0)), 1e-6f);
  }

  @Test
  void overlongPenaltyRampsOverTheBuffer() {
    assertEquals(0, Rewards.overlongPenalty(56, 64, 8, 1.0), EPS);
    assertEquals(-0.5, Rewards.overlongPenalty(60, 64, 8, 1.0), EPS);
    assertEquals(-1.0, Rewards.overlongPenalty(64, 64, 8, 1.0), EPS);
  }
}
