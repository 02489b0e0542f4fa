package dev.perceval.cluster.cli;

import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.train.SftRun;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.World;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sft", mixinStandardHelpOptions = true,
    description = "Warm-start a policy by supervised fine-tuning on gold responses.")
final class SftCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(names = "--world", completionCandidates = WorldNames.class,
      description = "One of ${COMPLETION-CANDIDATES} (perceval.world.name).")
  String world;

  @Option(names = "--steps", description = "Optimisation steps (perceval.sft.steps).")
  Integer steps;

  @Option(names = "--batch-size", description = "Tasks per step (perceval.sft.batch-size).")
  Integer batchSize;

  @Option(names = "--lr", description = "Peak learning rate (perceval.sft.lr).")
  Double lr;

  @Option(names = "--out", required = true, description = "Checkpoint directory to write.")
  Path out;

  @Option(names = "--resume", description = "Continue from the checkpoint in --out, if there is one.")
  boolean resume;

  @Option(names = "--until", paramLabel = "STEP",
      description = "Stop after this step; the learning-rate schedule still spans --steps.")
  Long until;

  @Option(names = "--eval-n", defaultValue = "0",
      description = "After training, evaluate on this many held-out tasks (0: skip).")
  int evalN;

  @Override
  public Integer call() {
    Map<String, Object> extra = new HashMap<>();
    extra.put("world.name", world);
    extra.put("sft.steps", steps);
    extra.put("sft.batch-size", batchSize);
    extra.put("sft.lr", lr);
    Context ctx = new Context(common.settings(extra));
    World w = ctx.world();
    SftRun.train(ctx.settings, w, out, resume, until == null ? Long.MAX_VALUE : until, ctx.device,
        new ConsoleListener(System.out));
    if (evalN > 0) {
      ModelCheckpoint.Loaded ckpt = ModelCheckpoint.load(out, "policy", ctx.device);
      try (var model = ckpt.model()) {
        Workflows.evaluate(ckpt, w, Workflows.heldOut(w, ctx.settings, Split.HELDOUT, evalN),
            ctx.settings, w.name() + "/heldout", System.out);
      }
    }
    return 0;
  }
}
