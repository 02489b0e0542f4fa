package dev.perceval.policy.grpo;

import dev.perceval.policy.world.TaskId;

/**
 * One sampled response. Rollouts carry the task's id, never its pixels: any node rebuilds the
 * task from the id.
 *
 * @param logProbs per token, under the sampling distribution
 * @param stopped whether it ended on the stop token (false: cut at the length limit)
 * @param policyVersion the weights version that produced it
 */
public record Rollout(TaskId taskId, int[] tokens, float[] logProbs, boolean stopped, long policyVersion) {}
