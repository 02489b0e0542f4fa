package dev.perceval.policy.grpo;

import dev.perceval.policy.world.Answers;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.List;

/** The outcome reward of a response, with DAPO's optional soft overlong penalty. */
public final class Rewards {
  private Rewards() {}

  /**
   * 1 if the format holds and the answer is right, else 0; minus the overlong penalty when on.
   * With {@code requireClaims}, the format also asks the thinking to state at least one
   * perception claim: without that rule a policy penalised for wrong claims learns to state
   * none.
   */
  public static double of(Task task, List<String> words, CampaignSpec.Rollout rollout, World world,
      boolean requireClaims) {
    double r = Answers.reward(task, words);
    if (requireClaims && r > 0 && !statesAClaim(world, words)) {
      r = 0;
    }
    return rollout.overlongPenalty()
        ? r + overlongPenalty(words.size(), rollout.maxNewTokens(), rollout.overlongBuffer(), rollout.overlongFactor())
        : r;
  }

  static boolean statesAClaim(World world, List<String> words) {
    for (List<String> segment : Answers.thinkSegments(words)) {
      if (world.parseClaim(segment).isPresent()) {
        return true;
      }
    }
    return false;
  }

  /**
   * 0 up to {@code max - buffer} tokens, then falling linearly to {@code -factor} at {@code max}
   * (DAPO's soft overlong punishment).
   */
  public static double overlongPenalty(int length, int max, int buffer, double factor) {
    int expected = max - buffer;
    if (length <= expected) {
      return 0;
    }
    return -Math.min(1.0, (length - expected) / (double) buffer) * factor;
  }
}
