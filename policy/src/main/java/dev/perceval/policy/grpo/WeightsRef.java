package dev.perceval.policy.grpo;

/**
 * What a learner announces when it publishes: the version, the sha-256 of its bytes and their
 * size. The bytes stay with the learner until a sampler fetches them; a sampler loads only bytes
 * that match the digest.
 */
public record WeightsRef(long version, String sha256, long size) {}
