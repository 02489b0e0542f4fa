package dev.perceval.policy.world;

/** Whether a segment of thinking holds against the scene, and if not, what it gets wrong. */
public record ClaimVerdict(boolean correct, ErrorType error) {
  /**
   * The mistakes a claim makes about its object (value, kind, colour, size) or its cell
   * (position: nothing stands there), and the ways a response avoids being judged: a statement
   * about the image the claim parser cannot read (malformed), a reflection not followed by a claim
   * about its cell (evasion), and reasoning over a scene whose objects were not all stated
   * (omission). See {@link Judge}.
   */
  public enum ErrorType { VALUE, KIND, COLOUR, SIZE, POSITION, MALFORMED, EVASION, OMISSION }

  public static final ClaimVerdict CORRECT = new ClaimVerdict(true, null);

  public static ClaimVerdict wrong(ErrorType type) {
    return new ClaimVerdict(false, type);
  }
}
