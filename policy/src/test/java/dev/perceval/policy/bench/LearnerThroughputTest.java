package dev.perceval.policy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.perceval.policy.model.VlmConfig;
import org.junit.jupiter.api.Test;

class LearnerThroughputTest {
  @Test
  void forwardFlopsCountEveryMatmulOfASmallPolicy() {
    // 8x8 image in 4x4 patches: 4 image tokens of 3*16 = 48 values; 6 positions, so 2 text tokens.
    VlmConfig c = new VlmConfig(8, 4, 0, 8, 1, 1, 10, 8, VlmConfig.Mode.POLICY);
    double patches = 2 * 4 * 48 * 8;             // 3072: patch embedding
    double imagePositions = 2 * 4 * (2 + 2) * 8; // 256: one-hot row and column embeddings
    double text = 2 * 2 * (10 + 8) * 8;          // 576: one-hot token and position embeddings
    double qkv = 2 * 6 * 8 * 24;                 // 2304
    double out = 2 * 6 * 8 * 8;                  // 768
    double mlp = 2 * 6 * 8 * 64;                 // 6144: d -> 4d -> d
    double attention = 2 * (2 * 6 * 6 * 8);      // 1152: scores and weighted values
    double head = 2 * 2 * 8 * 10;                // 320: logits over the vocabulary
    assertEquals(patches + imagePositions + text + qkv + out + mlp + attention + head,
        LearnerThroughput.forwardFlops(c, 6));
    assertEquals(14592, LearnerThroughput.forwardFlops(c, 6));
  }

  @Test
  void aStemAddsItsConvolutionsAndAVerifierHasOneOutput() {
    VlmConfig policy = new VlmConfig(8, 4, 2, 8, 1, 1, 10, 8, VlmConfig.Mode.POLICY);
    // Two 3x3 convolutions over 64 pixels (3 -> 2, 2 -> 2 channels); tiles now hold 2*16 = 32 values.
    double stem = 2 * 64 * 27 * 2 + 2 * 64 * 9 * 2 * 2;
    assertEquals(14592 - 2 * 4 * 48 * 8 + 2 * 4 * 32 * 8 + stem, LearnerThroughput.forwardFlops(policy, 6));
    VlmConfig verifier = policy.withMode(VlmConfig.Mode.VERIFIER);
    assertEquals(LearnerThroughput.forwardFlops(policy, 6) - 2 * 2 * 8 * (10 - 1),
        LearnerThroughput.forwardFlops(verifier, 6));
  }
}
