package dev.perceval.policy.grpo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The trainable policy, its frozen reference and its optimizer. */
public interface Learner {
  /** What the learner is given: a response and its per-token advantages. */
  record Sample(dev.perceval.policy.world.TaskId taskId, int[] response, float[] advantages) {}

  /** The new policy version and the update's metrics (verl names where they exist). */
  record Result(long version, Map<String, Double> metrics) {}

  /** One training step (possibly several optimizer updates) on the batch. */
  Result train(long step, List<Sample> batch);

  /** Publishes the current weights for the samplers to fetch; returns what identifies them. */
  WeightsRef publish();

  /** Writes a checkpoint of the policy and optimizer after {@code step} completed steps; returns its directory. */
  Path checkpoint(long step);
}
