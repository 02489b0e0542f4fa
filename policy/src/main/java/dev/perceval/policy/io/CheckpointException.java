package dev.perceval.policy.io;

/** A checkpoint that cannot be written or trusted; the message names the directory and the problem. */
public final class CheckpointException extends RuntimeException {
  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
