package dev.perceval.policy;

/**
 * How a long run in a library (SFT, verifier training, evaluation) reports as it goes, without
 * printing: the CLI turns notes into lines and phases into progress bars; tests stay silent.
 */
public interface RunListener {
  RunListener SILENT = new RunListener() {};

  /** A line worth showing the user: what is about to happen, or what was chosen. */
  default void note(String line) {}

  /** A phase of {@code total} units of work; the phase is closed when it ends. */
  default Phase phase(String label, long total) {
    return Phase.NONE;
  }

  /** Progress through one phase. */
  interface Phase extends AutoCloseable {
    Phase NONE = (units, message) -> {};

    /** {@code units} more done; {@code message} (may be null) describes the latest. */
    void advance(long units, String message);

    @Override
    default void close() {}
  }
}
