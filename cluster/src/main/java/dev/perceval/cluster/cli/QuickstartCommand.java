package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.world.DatasetIo;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.World;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "One process, embedded defaults: prepare data, warm-start a policy, evaluate it, "
        + "and write a summary, a loss plot and sample tasks.")
final class QuickstartCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(names = "--out", defaultValue = "runs/quickstart", description = "Output directory.")
  Path out;

  @Option(names = "--steps", description = "SFT steps (perceval.sft.steps).")
  Integer steps;

  @Option(names = "--eval-n", defaultValue = "300", description = "Held-out tasks to evaluate.")
  int evalN;

  @Override
  public Integer call() throws IOException {
    long t0 = System.nanoTime();
    Map<String, Object> extra = new HashMap<>();
    extra.put("sft.steps", steps);
    Context ctx = new Context(common.settings(extra));
    Files.createDirectories(out);
    System.out.println("[1/4] data: building the " + ctx.settings.world().name() + " world");
    World world = ctx.world();
    Path samples = out.resolve("samples");
    if (!Files.exists(samples)) {
      DatasetIo.export(Evaluator.tasks(world, Split.HELDOUT, ctx.settings.seed(), 16), samples);
    }
    System.out.println("      16 held-out sample tasks in " + samples);
    System.out.println("[2/4] sft: warm start (imperfect on purpose)");
    Path ckptDir = out.resolve("policy-sft");
    List<Double> losses = Workflows.sft(ctx, world, ckptDir, false, Long.MAX_VALUE, System.out);
    Plots.line(out.resolve("sft-loss.png"), "SFT loss", "step", "loss per token", "train", losses);
    System.out.println("[3/4] eval: greedy decoding on held-out digits never seen in training");
    Evaluator.Result r;
    ModelCheckpoint.Loaded ckpt = ModelCheckpoint.load(ckptDir, ctx.device);
    try (var model = ckpt.model()) {
      r = Workflows.evaluate(ckpt, world, Workflows.heldOut(world, ctx.settings, Split.HELDOUT, evalN),
          ctx.settings, world.name() + "/heldout", System.out);
    }
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("world", world.name());
    summary.put("sftSteps", ctx.settings.sft().steps());
    summary.put("finalLoss", losses.get(losses.size() - 1));
    summary.put("heldoutAccuracy", r.accuracy());
    summary.put("perceptionErrorRate", r.perceptionErrorRate());
    summary.put("hallucinationRate", r.hallucinationRate());
    summary.put("seconds", (System.nanoTime() - t0) / 1e9);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("summary.json").toFile(), summary);
    System.out.printf(Locale.ROOT, "[4/4] summary: held-out accuracy %.3f, perception-error rate %.3f,"
            + " %.0f s in all; %s/{summary.json, sft-loss.png, policy-sft/}%n",
        r.accuracy(), r.perceptionErrorRate(), (System.nanoTime() - t0) / 1e9, out);
    return 0;
  }
}
