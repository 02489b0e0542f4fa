package dev.perceval.cluster.cli;

import dev.perceval.policy.RunListener;
import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;

/** A library run shown on the console: notes as lines on {@code log}, phases as progress bars. */
final class ConsoleListener implements RunListener {
  private final PrintStream log;

  ConsoleListener(PrintStream log) {
    this.log = log;
  }

  @Override
  public void note(String line) {
    log.println(line);
  }

  @Override
  public Phase phase(String label, long total) {
    ProgressBar bar = Progress.bar(label, Math.max(1, total));
    return new Phase() {
      @Override
      public void advance(long units, String message) {
        bar.stepBy(units);
        if (message != null) {
          bar.setExtraMessage(" " + message);
        }
      }

      @Override
      public void close() {
        bar.close();
      }
    };
  }
}
