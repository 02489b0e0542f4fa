package dev.perceval.cluster.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code perceval} command line. Errors print one line naming the problem and exit non-zero. */
@Command(name = "perceval", mixinStandardHelpOptions = true, version = "perceval 0.1.0",
    description = "Perception-centric process reward models for GRPO and test-time scaling.",
    subcommands = {QuickstartCommand.class, DataCommand.class, SftCommand.class,
        EvalCommand.class, PrmCommand.class, TrainCommand.class, NodeCommand.class, SubmitCommand.class,
        StatusCommand.class, DbCommand.class, BenchCommand.class, TtsEvalCommand.class, ExperimentCommand.class, AskCommand.class,
        ChaosCommand.class, TokenCommand.class, TlsCommand.class, CommandLine.HelpCommand.class})
public final class PercevalCli extends GroupCommand {

  public static int execute(String... args) {
    return execute(null, null, args);
  }

  /** Runs one command line; {@code out}/{@code err} default to the standard streams. */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new PercevalCli());
    if (out != null) {
      cli.setOut(out);
    }
    if (err != null) {
      cli.setErr(err);
    }
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("error: " + describe(e));
      if (Boolean.getBoolean("perceval.trace") || System.getenv("PERCEVAL_TRACE") != null) {
        e.printStackTrace(cmd.getErr());
      }
      return 2;
    });
    return cli.execute(args);
  }

  /** The innermost message that names the problem; class names only where there is none. */
  static String describe(Throwable e) {
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  public static void main(String[] args) {
    // Exit explicitly: libtorch and other libraries may leave non-daemon threads behind.
    System.exit(execute(args));
  }
}
