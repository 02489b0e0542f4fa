package dev.perceval.policy.grpo;

import dev.perceval.policy.world.Answers;
import dev.perceval.policy.world.Task;
import java.util.List;

/** The outcome reward of a response, with DAPO's optional soft overlong penalty. */
public final class Rewards {
  private Rewards() {}

  /** 1 if the format holds and the answer is right, else 0; minus the overlong penalty when on. */
  public static double of(Task task, List<String> words, CampaignSpec.Rollout rollout) {
    double r = Answers.reward(task, words);
    return rollout.overlongPenalty()
        ? r + overlongPenalty(words.size(), rollout.maxNewTokens(), rollout.overlongBuffer(), rollout.overlongFactor())
        : r;
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
