package dev.perceval.policy.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Shapers by name give what TokenAdvantages gives, and specs name only registered components. */
class TokenShaperTest {
  private static final List<TokenAdvantages.Span> SPANS = List.of(new TokenAdvantages.Span(0, 3));
  private static final boolean[] FUNCTION = {false, true, false, false};

  private static CampaignSpec spec(String extra) {
    return CampaignSpec.parse("policy = x, verifier = oracle, " + extra);
  }

  @Test
  void percevalShapesAsTokenAdvantagesWithTheSpecsPenalty() {
    CampaignSpec.Algorithm algorithm = spec("algorithm { alpha = 0.3, zero-variance-scale = 0.5,"
        + " content-tokens-only = true }").algorithm();
    assertEquals("perceval", algorithm.tokenShaper(), "the default keeps specs written before the key");
    TokenShaper perceval = TokenShaper.REGISTRY.create("perceval", algorithm);
    TokenAdvantages.Penalty penalty = new TokenAdvantages.Penalty(0.3, 0.5, true);
    for (double advantage : new double[] {0.8, -0.8, 0}) {
      for (boolean zeroVariance : new boolean[] {false, true}) {
        assertArrayEquals(TokenAdvantages.of(advantage, 4, SPANS, FUNCTION, zeroVariance, penalty),
            perceval.shape(advantage, 4, SPANS, FUNCTION, zeroVariance), 0f);
      }
    }
    // Worked out by hand: 0.8 - 0.3 * 0.8 on content tokens 0 and 2; the function word and the
    // unflagged token keep 0.8.
    assertArrayEquals(new float[] {0.56f, 0.8f, 0.56f, 0.8f}, perceval.shape(0.8, 4, SPANS, FUNCTION, false), 1e-6f);
  }

  @Test
  void noneLeavesTheOutcomeAdvantageOnEveryTokenWhateverTheFlags() {
    CampaignSpec.Algorithm algorithm = spec("algorithm { alpha = 0.3, token-shaper = none }").algorithm();
    TokenShaper none = TokenShaper.REGISTRY.create(TokenShaper.NONE, algorithm);
    assertArrayEquals(TokenAdvantages.of(-0.8, 4, SPANS, FUNCTION, false, TokenAdvantages.Penalty.none()),
        none.shape(-0.8, 4, SPANS, FUNCTION, false), 0f);
    assertArrayEquals(new float[] {-0.8f, -0.8f, -0.8f, -0.8f}, none.shape(-0.8, 4, SPANS, FUNCTION, true), 0f);
    assertEquals(List.of("perceval", "none"), TokenShaper.REGISTRY.names());
  }

  @Test
  void unknownNamesInASpecAreRefusedWithTheKnownOnes() {
    for (String[] c : new String[][] {
        {"algorithm.token-shaper = penalty", "algorithm.token-shaper: unknown token shaper 'penalty' (known: perceval, none)"},
        {"algorithm.estimator = ppo", "algorithm.estimator: unknown advantage estimator 'ppo' (known: grpo, rloo)"},
        {"actor.loss-agg = mean", "actor.loss-agg: unknown loss aggregation 'mean' (known: token-mean,"
            + " seq-mean-token-mean, seq-mean-token-sum, seq-mean-token-sum-norm)"},
        {"actor.kl-estimator = kl", "actor.kl-estimator: unknown KL estimator 'kl' (known: k1, k2, k3)"}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec(c[0]));
      assertTrue(e.getMessage().endsWith(c[1]), e.getMessage());
    }
  }
}
