package dev.perceval.policy.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every number a spec sizes work by has an upper bound, checked before anything is allocated. */
class CampaignSpecLimitsTest {
  static final String VALID = "policy = p, verifier = oracle, ";

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "steps = 2000000000|steps must be at most 100000 (campaign-limits.steps), got 2000000000",
      "steps = 1e30|steps must be at most 100000",
      "rollout.max-new-tokens = 2000000000|rollout.max-new-tokens must be at most 1024",
      "group-size = 64, prompts-per-step = 1000|prompts-per-step times group-size must be at most 8192",
      "prompts-per-step = 100000|prompts-per-step must be at most 1024",
      "trainer.eval-n = 1000000|trainer.eval-n must be at most 20000",
      "rollout.micro-batch = 4096|rollout.micro-batch must be at most 1024",
      "actor.lr = 1e6|actor.lr must be at most 1 ",
      "rollout.temperature = 1e9|rollout.temperature must be at most 10",
      "steps = lots|steps has type STRING rather than NUMBER",
      "algorithm.claim-credit = 1e9|algorithm.claim-credit must be at most 100",
      "verifier = \"\", algorithm { alpha = 0, claim-credit = 1 }|no verifier is given to judge the claims"})
  void aNumberAboveItsBoundIsRefusedWithTheKeyAndTheBound(String setting, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CampaignSpec.parse(VALID + setting));
    assertTrue(e.getMessage().contains(message.strip()), e.getMessage());
  }

  @Test
  void theBoundsThemselvesAreAccepted() {
    CampaignSpec s = CampaignSpec.parse(VALID + "steps = 100000, prompts-per-step = 128, group-size = 64,"
        + " rollout.micro-batch = 1024, rollout.max-new-tokens = 1024");
    assertEquals(100000, s.steps());
  }

  @Test
  void anOperatorRaisesABoundWithASystemProperty() {
    String key = "perceval.campaign-limits.steps";
    System.setProperty(key, "200000");
    try {
      assertEquals(150000, CampaignSpec.parse(VALID + "steps = 150000").steps());
    } finally {
      System.clearProperty(key);
    }
    assertThrows(IllegalArgumentException.class, () -> CampaignSpec.parse(VALID + "steps = 150000"));
  }
}
