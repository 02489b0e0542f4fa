package dev.perceval.policy.world;

/** Whether a perception claim matches the scene, and if not, what it gets wrong. */
public record ClaimVerdict(boolean correct, ErrorType error) {
  public enum ErrorType { VALUE, KIND, COLOUR, SIZE, POSITION }

  public static final ClaimVerdict CORRECT = new ClaimVerdict(true, null);

  public static ClaimVerdict wrong(ErrorType type) {
    return new ClaimVerdict(false, type);
  }
}
