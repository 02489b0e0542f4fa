package dev.perceval.cluster.cli;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarRenderer;
import me.tongfei.progressbar.ProgressBarStyle;
import me.tongfei.progressbar.ProgressState;

/**
 * Progress bars on stderr, so stdout stays a clean record of results. On a terminal the bar redraws
 * itself in place; anywhere else (a log file, CI) redrawing means carriage returns that turn a whole
 * run into one line, so there the bar prints a plain line now and then instead.
 */
final class Progress {
  private static final Duration PLAIN_REFRESH = Duration.ofSeconds(1);
  /** Between tenths of the way, a long step still shows it is alive this often. */
  private static final Duration PLAIN_HEARTBEAT = Duration.ofSeconds(60);

  private Progress() {}

  static ProgressBar bar(String task, long max) {
    if (!onTerminal()) {
      return plainBar(task, max, System.err, PLAIN_REFRESH);
    }
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500)
        .setMaxRenderedLength(100)
        .showSpeed()
        .build();
  }

  /** A bar that writes whole lines to {@code out}: at the start, at each tenth, at most a minute apart, and at the end. */
  static ProgressBar plainBar(String task, long max, PrintStream out, Duration refresh) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .setUpdateIntervalMillis((int) refresh.toMillis())
        .setRenderer(new PeriodicLines(PLAIN_HEARTBEAT))
        .setConsumer(new DelegatingProgressBarConsumer(line -> {
          if (!line.isEmpty()) {
            out.println(line);
            out.flush();
          }
        }, Integer.MAX_VALUE))
        .build();
  }

  /**
   * JDK 17-21 give no console when stdin or stdout is redirected. JDK 22 gives one anyway and says
   * whether it is a terminal through {@code Console.isTerminal()}, which a Java 17 build can only reach reflectively.
   */
  private static boolean onTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException olderJdk) {
      return true;
    }
  }

  /**
   * Renders a plain line when one is due and "" otherwise; the library calls it on every refresh
   * with progress, and once more when the bar closes.
   */
  private static final class PeriodicLines implements ProgressBarRenderer {
    private final long heartbeatNanos;
    private int lastTenth = -1;
    private long lastLineNanos;
    private long lastCurrent = -1;
    private String lastExtra = "";

    PeriodicLines(Duration heartbeat) {
      this.heartbeatNanos = heartbeat.toNanos();
    }

    @Override
    public synchronized String render(ProgressState state, int maxLength) {
      long now = System.nanoTime();
      long current = state.getCurrent();
      long max = state.getMax();
      String extra = state.getExtraMessage() == null ? "" : state.getExtraMessage();
      int tenth = max > 0 ? (int) Math.min(10, current * 10 / max) : 0;
      boolean changed = current != lastCurrent || !extra.equals(lastExtra);
      boolean due = tenth > lastTenth
          || (changed && now - lastLineNanos >= heartbeatNanos)
          || (changed && !state.isAlive());
      if (!due) {
        return "";
      }
      lastTenth = Math.max(lastTenth, tenth);
      lastLineNanos = now;
      lastCurrent = current;
      lastExtra = extra;
      long seconds = state.getTotalElapsed().toSeconds();
      String ofMax = max > 0
          ? String.format(Locale.ROOT, "%d/%d (%d%%)", current, max, current * 100 / max)
          : Long.toString(current);
      return String.format(Locale.ROOT, "%s %s %d:%02d:%02d%s", state.getTaskName(), ofMax,
          seconds / 3600, seconds / 60 % 60, seconds % 60, extra);
    }
  }
}
