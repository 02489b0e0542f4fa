package dev.perceval.cluster.cli;

import picocli.CommandLine;

/** A command that only groups subcommands: run on its own, it prints its usage. */
abstract class GroupCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
