package dev.perceval.policy.grpo;

import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.world.TaskId;
import java.util.List;

/** Policy replicas that turn prompts into rollouts. */
public interface SamplerGroup {
  /**
   * {@code groupSize} responses to each prompt, prompt-major; response j of prompt p is drawn
   * with a seed derived from ({@code seed}, p, j), so the result does not depend on how the
   * prompts are spread over replicas.
   */
  List<Rollout> sample(List<TaskId> prompts, int groupSize, long seed, SamplingParams params);

  /** Loads published weights into every replica; returns once all of them hold that version. */
  void sync(WeightsRef weights);
}
