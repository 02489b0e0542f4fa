package dev.perceval.cluster.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = "Fault scenarios with real node JVMs on 127.0.0.1: a campaign of 12 tiny steps, a node killed with"
        + " SIGKILL mid-campaign (and restarted where the scenario says); checks that the campaign completes, journals"
        + " each step once and ends with the weights of an uninterrupted run, and prints a table with the time to"
        + " recover.")
final class ChaosCommand implements Callable<Integer> {
  @Option(names = "--scenario", defaultValue = "all",
      description = "sampler-of-two, sampler-replaced, verifier, learner, learner-checkpoint, coordinator, all-nodes,"
          + " or all (default).")
  String scenario;

  @Option(names = "--work", defaultValue = "runs/chaos", description = "Where each scenario's nodes and runs go.")
  Path work;

  @Option(names = "--postgres", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test",
      description = "A PostgreSQL database (user postgres) from which the coordinator scenario creates the journal its"
          + " two coordinator nodes share.")
  String postgres;

  @Override
  public Integer call() throws Exception {
    List<String> names = scenario.equals("all") ? Chaos.SCENARIOS : List.of(scenario);
    for (String n : names) {
      if (!Chaos.SCENARIOS.contains(n)) {
        throw new IllegalArgumentException("unknown scenario '" + n + "'; one of " + Chaos.SCENARIOS + " or all");
      }
    }
    Chaos chaos = new Chaos(work, postgres);
    List<Chaos.Result> results = new ArrayList<>();
    for (String n : names) {
      System.out.println("chaos " + n + ": running (nodes log to " + work.resolve(n).resolve("nodes") + ")");
      Chaos.Result r = chaos.run(n);
      results.add(r);
      System.out.printf(Locale.ROOT, "chaos %s: %s; recovered in %.1f s%n", n, r.passed() ? "passed" : "FAILED",
          r.recoverySeconds());
    }
    Chaos.table(results).forEach(System.out::println);
    return results.stream().allMatch(Chaos.Result::passed) ? 0 : 1;
  }
}
