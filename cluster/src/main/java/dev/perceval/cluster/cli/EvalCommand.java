package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.world.DatasetIo;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Greedy evaluation of a policy checkpoint: accuracy and perception-error rate.")
final class EvalCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(names = "--ckpt", required = true, description = "Policy checkpoint directory.")
  Path ckpt;

  @Option(names = "--world", description = "World to draw tasks from (default: the checkpoint's).")
  String world;

  @Option(names = "--split", defaultValue = "heldout", description = "sft, train or heldout.")
  String split;

  @Option(names = "--n", description = "Number of tasks (perceval.eval.n).")
  Integer n;

  @Option(names = "--data", paramLabel = "JSONL",
      description = "Evaluate on a user dataset (JSONL of image, question, answer[, facts]) instead.")
  Path data;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON.")
  Path json;

  @Option(names = "--show", defaultValue = "0", paramLabel = "K",
      description = "Print the first K responses beside the gold ones.")
  int show;

  @Override
  public Integer call() throws IOException {
    Split sp = Split.parse(split);
    Map<String, Object> extra = new HashMap<>();
    extra.put("eval.n", n);
    ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(ckpt, "policy", new Context(common.settings(extra)).device);
    try (var model = loaded.model()) {
      String worldName = world != null ? world : loaded.header().world();
      extra.put("world.image-size", model.config().imageSize());
      Context ctx = new Context(common.settings(extra));
      World w = ctx.world(worldName);
      List<Task> tasks;
      String label;
      if (data != null) {
        tasks = DatasetIo.load(data, model.config().imageSize());
        label = data.toString();
      } else {
        tasks = Workflows.heldOut(w, ctx.settings, sp, ctx.settings.eval().n());
        label = w.name() + "/" + sp.name().toLowerCase();
      }
      Evaluator.Result r = Workflows.evaluate(loaded, w, tasks, ctx.settings, label, System.out);
      for (int i = 0; i < Math.min(show, tasks.size()); i++) {
        Task t = tasks.get(i);
        System.out.printf("%n[%s] %s%n  gold:  %s%n  model: %s%n", t.id(), t.question(),
            t.goldResponse() == null ? "(answer " + t.answer() + ")" : t.goldResponse(), r.responses().get(i));
      }
      if (json != null) {
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), Map.of(
            "label", label, "n", r.n(), "accuracy", r.accuracy(), "formatRate", r.formatRate(),
            "perceptionErrorRate", r.perceptionErrorRate(), "hallucinationRate", r.hallucinationRate(),
            "meanTokens", r.meanTokens()));
      }
    }
    return 0;
  }
}
