package dev.perceval.cluster.cli;

import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.world.DatasetIo;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "data", mixinStandardHelpOptions = true, description = "Task data: export.",
    subcommands = DataCommand.Export.class)
final class DataCommand extends GroupCommand {

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write tasks as PNG images plus data.jsonl (image, question, answer, response, facts).")
  static final class Export implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--world", completionCandidates = WorldNames.class,
        description = "One of ${COMPLETION-CANDIDATES}.")
    String world;

    @Option(names = "--split", defaultValue = "heldout", description = "sft, train or heldout.")
    String split;

    @Option(names = "--n", defaultValue = "100", description = "Number of tasks.")
    int n;

    @Option(names = "--out", required = true, description = "Directory to create.")
    Path out;

    @Override
    public Integer call() {
      if (n < 1) {
        throw new IllegalArgumentException("--n must be at least 1, got " + n);
      }
      Split sp = Split.parse(split);
      Map<String, Object> extra = new HashMap<>();
      extra.put("world.name", world);
      Context ctx = new Context(common.settings(extra));
      World w = ctx.world();
      List<Task> tasks = Evaluator.tasks(w, sp, ctx.settings.seed(), n);
      DatasetIo.export(tasks, out);
      System.out.printf("exported %d %s/%s tasks to %s%n", n, w.name(), sp.name().toLowerCase(), out);
      return 0;
    }
  }
}
