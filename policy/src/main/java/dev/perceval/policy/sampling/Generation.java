package dev.perceval.policy.sampling;

/**
 * One sampled continuation: the new token ids (the stop token included when reached) and, for
 * each, its log-probability under the sampling distribution before top-p truncation.
 *
 * @param stopped whether decoding ended on the stop token (false: length limit)
 */
public record Generation(int[] tokens, float[] logProbs, boolean stopped) {}
