package dev.perceval.prm;

import dev.perceval.policy.world.Task;
import java.util.List;

/**
 * One training or evaluation example for the verifier: a response to a task, with per-token
 * labels (1 inside a claim that contradicts the scene) and the oracle's flagged claims.
 *
 * @param source "corrupted" (gold with claims swapped), "policy" (sampled) or "correct" (gold)
 */
public record PrmExample(Task task, int[] response, float[] labels, String source,
    List<FlaggedClaim> truth) {}
