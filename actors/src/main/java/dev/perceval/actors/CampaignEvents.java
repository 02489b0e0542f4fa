package dev.perceval.actors;

import java.util.Map;

/**
 * What the coordinator journals. Tensors never go into the journal: a completed step refers to
 * the learner's checkpoint by path.
 */
public final class CampaignEvents {
  private CampaignEvents() {}

  public interface Event extends CborSerializable {
    String id();
  }

  /** @param spec the validated spec with every key resolved, as JSON */
  public record Submitted(String id, String spec, long at) implements Event {}

  /** A runner took the campaign up, from {@code fromStep} completed steps. */
  public record Started(String id, long fromStep) implements Event {}

  /**
   * @param step completed steps so far
   * @param checkpoint where the learner's state after it lives, or null when no checkpoint was written after
   *     it (the campaign's last one still holds)
   */
  public record StepCompleted(String id, long step, Map<String, Double> metrics, String checkpoint)
      implements Event {}

  public record Paused(String id) implements Event {}

  public record Resumed(String id) implements Event {}

  public record Completed(String id) implements Event {}

  public record Failed(String id, String reason) implements Event {}

  public record Cancelled(String id) implements Event {}
}
