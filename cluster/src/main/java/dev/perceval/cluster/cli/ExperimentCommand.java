package dev.perceval.cluster.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "experiment", mixinStandardHelpOptions = true,
    description = "The paper's experiments end to end (SFT, the verifier and its quality, test-time scaling,"
        + " outcome-only / Perceval / oracle GRPO over seeds, an alpha sweep) and a report of them; run again,"
        + " it goes on from the last finished stage.")
final class ExperimentCommand implements Callable<Integer> {
  @Option(names = "--preset", defaultValue = "paper",
      description = "paper (about 3 hours on 2 cores), smoke (toy sizes, checks the report), or a preset file.")
  String preset;

  @Option(names = "--out", defaultValue = "report", description = "Where README.md, the CSVs and PNGs go.")
  Path out;

  @Option(names = "--work", description = "Checkpoints and logs of every stage (default: runs/experiment-PRESET).")
  Path work;

  @Option(names = "--seeds", split = ",", description = "Replaces the preset's seeds, e.g. --seeds 7,8,9.")
  List<Long> seeds;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one setting under perceval for every stage, e.g. --set threads=1 (repeatable).")
  Map<String, String> sets = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    Experiment.Preset p = Experiment.Preset.load(preset, seeds);
    Path dir = work != null ? work : Path.of("runs", "experiment-" + p.name());
    new Experiment(p, dir, new LinkedHashMap<>(sets), System.out).run(out);
    return 0;
  }
}
