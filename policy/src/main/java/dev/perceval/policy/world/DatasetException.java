package dev.perceval.policy.world;

/** A dataset file that cannot be used; the message names the file, the line and the problem. */
public final class DatasetException extends RuntimeException {
  public DatasetException(String message) {
    super(message);
  }
}
