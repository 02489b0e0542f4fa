package dev.perceval.policy.world;

import java.util.List;

/**
 * A question about an image, with its verifiable answer and, for generated tasks, the gold
 * response and the scene's ground truth. Text is lowercase words and punctuation separated by
 * single spaces.
 *
 * @param image CHW RGB floats in [0, 1], {@code 3 * imageSize * imageSize} values
 * @param goldResponse null for user data that has none
 */
public record Task(String id, String world, String family, String question, String goldResponse,
    String answer, List<Fact> facts, float[] image, int imageSize) {
  public Task {
    facts = facts == null ? List.of() : List.copyOf(facts);
    if (image.length != 3 * imageSize * imageSize) {
      throw new IllegalArgumentException("task " + id + ": image has " + image.length
          + " values, expected 3 x " + imageSize + " x " + imageSize);
    }
  }
}
