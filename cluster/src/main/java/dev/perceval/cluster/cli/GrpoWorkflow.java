package dev.perceval.cluster.cli;

import dev.perceval.actors.ModelSource;
import dev.perceval.policy.RunListener;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.grpo.GrpoLoop;
import dev.perceval.policy.grpo.LocalLearner;
import dev.perceval.policy.grpo.LocalSamplerGroup;
import dev.perceval.policy.grpo.VerifierGroup;
import dev.perceval.policy.io.StepCheckpoints;
import dev.perceval.policy.io.MetricsLog;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.World;
import dev.perceval.prm.LocalVerifierGroup;
import dev.perceval.prm.Verifiers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A GRPO campaign in this process: the loop's in-process sampler, verifier and learner. */
final class GrpoWorkflow {
  private GrpoWorkflow() {}

  static void run(Context ctx, CampaignSpec spec, boolean resume, PrintStream log) throws IOException {
    Path out = spec.outDir();
    Path start = Path.of(spec.policy());
    Path latest = resume ? new StepCheckpoints(out.resolve("checkpoints")).latest() : null;
    ModelCheckpoint.Header policy = ModelCheckpoint.header(start, "policy");
    // The campaign's world as the actors build it, so both runs draw the same tasks.
    World world = new ModelSource(ctx.device, ctx.settings.cacheDir()).world(spec.data().world(), policy.imageSize(),
        spec.data().families());
    policy.requireVocabulary(world);
    Tokenizer tok = policy.tokenizer();
    try (LocalLearner learner = LocalLearner.open(spec, latest, world, ctx.device);
        TinyVlm replica = ModelCheckpoint.load(latest != null ? latest : start, "policy", ctx.device).model();
        Verifiers.Opened verifier = spec.verifier().isBlank() ? null
            : Verifiers.open(spec.verifier(), world, tok, ctx.device, spec.rollout().microBatch())) {
      // Only now that every input has loaded: a bad spec leaves no directory behind.
      Files.createDirectories(out.resolve("checkpoints"));
      Files.writeString(out.resolve("spec.json"), spec.render());
      LocalSamplerGroup samplers = new LocalSamplerGroup(replica, tok, world::task, spec.rollout().microBatch(),
          learner.version(), learner::weights);
      VerifierGroup verifiers = verifier == null ? null : new LocalVerifierGroup(verifier.verifier(), world::task);
      GrpoLoop loop = new GrpoLoop(spec, world, tok, world::task, samplers, verifiers, learner);
      drive(loop, spec, learner.version(), out, log);
    }
  }

  private static void drive(GrpoLoop loop, CampaignSpec spec, long from, Path out, PrintStream log)
      throws IOException {
    log.printf(Locale.ROOT, "train %s: %s world, steps %d..%d, %d prompts x %d samples, alpha %.3g, verifier %s%n",
        spec.name(), spec.data().world(), from, spec.steps(), spec.promptsPerStep(), spec.groupSize(),
        spec.algorithm().alpha(), spec.verifier().isBlank() ? "none" : spec.verifier());
    ConsoleListener console = new ConsoleListener(log);
    // The bar opens with the first step, so the starting policy's evaluation prints on its own line.
    var listener = new GrpoLoop.Listener() {
      RunListener.Phase bar;

      @Override
      public void evaluated(long step, Map<String, Double> eval) {
        if (step == 0) {
          report(log, step, eval);
        }
      }

      @Override
      public void stepped(long step, Map<String, Double> metrics, String checkpoint) {
        if (bar == null) {
          bar = console.phase("grpo", spec.steps());
          bar.advance(step - 1, null);
        }
        bar.advance(1, String.format(Locale.ROOT, "reward %.3f flagged %.2f",
            metrics.get("reward/mean"), metrics.get("perceval/flagged_rate")));
      }
    };
    GrpoLoop.Outcome o;
    try {
      o = loop.run(from, listener);
    } finally {
      if (listener.bar != null) {
        listener.bar.close();
      }
    }
    if (!o.lastEval().isEmpty()) {
      report(log, spec.steps(), o.lastEval());
    }
    plot(out, spec.name());
    log.printf(Locale.ROOT, "train %s: done; %s/{metrics.csv, eval.csv, curves.png, checkpoints/}%n", spec.name(), out);
  }

  /** curves.png from the campaign's metrics.csv and eval.csv. */
  static void plot(Path out, String name) throws IOException {
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    series.put("reward mean", MetricsLog.column(out.resolve("metrics.csv"), "reward/mean"));
    series.put("flagged rate (verifier)", MetricsLog.column(out.resolve("metrics.csv"), "perceval/flagged_rate"));
    series.put("held-out accuracy", MetricsLog.column(out.resolve("eval.csv"), "eval/accuracy"));
    series.put("held-out hallucination rate (oracle)", MetricsLog.column(out.resolve("eval.csv"), "eval/hallucination_rate"));
    Plots.lines(out.resolve("curves.png"), "GRPO " + name, "step", "rate", series);
  }

  static void report(PrintStream log, long step, Map<String, Double> m) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "eval after step %d:", step));
    m.forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %.3f", k.replace("eval/", ""), v)));
    log.println(b);
  }
}
