package dev.perceval.cluster.cli;

import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.grpo.GrpoLoop;
import dev.perceval.policy.grpo.LocalLearner;
import dev.perceval.policy.grpo.LocalSamplerPool;
import dev.perceval.policy.grpo.VerifierPool;
import dev.perceval.policy.io.StepCheckpoints;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import dev.perceval.prm.LocalVerifierPool;
import dev.perceval.prm.OracleVerifier;
import dev.perceval.prm.PercevalVerifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import me.tongfei.progressbar.ProgressBar;

/** A GRPO campaign in this process: the loop's in-process sampler, verifier and learner. */
final class GrpoWorkflow {
  private GrpoWorkflow() {}

  /** What the run ended with: the last held-out evaluation and where the outputs are. */
  record Outcome(Map<String, Double> firstEval, Map<String, Double> lastEval, Path out) {}

  static Outcome run(Context ctx, CampaignSpec spec, boolean resume, PrintStream log) throws IOException {
    Path out = spec.outDir();
    Path checkpoints = out.resolve("checkpoints");
    Path start = Path.of(spec.policy());
    Path latest = resume ? new StepCheckpoints(checkpoints).latest() : null;
    ModelCheckpoint.Loaded init = PrmWorkflows.loadKind(latest != null ? latest : start, "policy", ctx);
    long from = latest != null ? init.step() : 0;
    ModelCheckpoint.Loaded refCkpt = spec.actor().klCoef() > 0 ? PrmWorkflows.loadKind(start, "policy", ctx) : null;
    ModelCheckpoint.Loaded replicaCkpt = PrmWorkflows.loadKind(latest != null ? latest : start, "policy", ctx);
    Tokenizer tok = init.tokenizer();
    TinyVlm policy = init.model();
    World world = Worlds.create(spec.data().world(), new WorldConfig(policy.config().imageSize(),
        spec.data().families(), 0, 0, ctx.settings.cacheDir()));
    for (String w : world.vocabulary()) {
      if (!tok.contains(w)) {
        throw new IllegalArgumentException("policy " + start + " cannot write world " + world.name()
            + ": its vocabulary lacks '" + w + "'");
      }
    }
    Function<TaskId, Task> tasks = world::task;
    ModelCheckpoint.Loaded verifierCkpt = null;
    VerifierPool verifiers = null;
    if (spec.verifier().equals("oracle")) {
      verifiers = new LocalVerifierPool(new OracleVerifier(world, tok), tasks);
    } else if (!spec.verifier().isBlank()) {
      verifierCkpt = PrmWorkflows.loadKind(Path.of(spec.verifier()), "verifier", ctx);
      if (!verifierCkpt.tokenizer().equals(tok)) {
        throw new IllegalArgumentException("verifier " + spec.verifier() + " and policy " + start
            + " use different vocabularies");
      }
      float threshold = Float.parseFloat(verifierCkpt.meta().getOrDefault("threshold", "0.5"));
      verifiers = new LocalVerifierPool(new PercevalVerifier(verifierCkpt.model(), tok, world, threshold,
          spec.rollout().microBatch()), tasks);
    }
    // Only now that every input has loaded: a bad spec leaves no directory behind.
    Files.createDirectories(checkpoints);
    Files.writeString(out.resolve("spec.json"), spec.render());
    Map<String, String> meta = new LinkedHashMap<>(init.meta());
    meta.put("world", world.name());
    meta.put("campaign", spec.name());
    AdamW.Hyper hyper = new AdamW.Hyper(0.9f, 0.999f, 1e-8f, spec.actor().weightDecay(), spec.actor().gradClip());
    Outcome outcome;
    try (TinyVlm p = policy; TinyVlm replica = replicaCkpt.model();
        TinyVlm ref = refCkpt == null ? null : refCkpt.model();
        TinyVlm v = verifierCkpt == null ? null : verifierCkpt.model();
        AdamW opt = new AdamW(p, hyper);
        LocalLearner learner = new LocalLearner(p, ref, opt, tok, tasks, spec, checkpoints, meta, from)) {
      if (latest != null) {
        init.restore(opt);
      }
      LocalSamplerPool samplers = new LocalSamplerPool(replica, tok, tasks, spec.rollout().microBatch(), from,
          learner::weights);
      GrpoLoop loop = new GrpoLoop(spec, world, tok, tasks, samplers, verifiers, learner);
      outcome = drive(loop, spec, from, out, log);
    }
    return outcome;
  }

  private static Outcome drive(GrpoLoop loop, CampaignSpec spec, long from, Path out, PrintStream log)
      throws IOException {
    log.printf(Locale.ROOT, "train %s: %s world, steps %d..%d, %d prompts x %d samples, alpha %.3g, verifier %s%n",
        spec.name(), spec.data().world(), from, spec.steps(), spec.promptsPerStep(), spec.groupSize(),
        spec.algorithm().alpha(), spec.verifier().isBlank() ? "none" : spec.verifier());
    GrpoLoop.Outcome o;
    try (ProgressBar bar = Progress.bar("grpo", spec.steps())) {
      bar.stepTo(from);
      o = loop.run(from, new GrpoLoop.Listener() {
        @Override
        public void evaluated(long step, Map<String, Double> eval) {
          if (step == 0) {
            report(log, step, eval);
          }
        }

        @Override
        public void stepped(long step, Map<String, Double> metrics, String checkpoint) {
          bar.step();
          bar.setExtraMessage(String.format(Locale.ROOT, " reward %.3f flagged %.2f",
              metrics.get("reward/mean"), metrics.get("perceval/flagged_rate")));
        }
      });
    }
    if (!o.lastEval().isEmpty()) {
      report(log, spec.steps(), o.lastEval());
    }
    plot(out, spec.name());
    log.printf(Locale.ROOT, "train %s: done; %s/{metrics.csv, eval.csv, curves.png, checkpoints/}%n", spec.name(), out);
    return new Outcome(o.firstEval().isEmpty() ? null : o.firstEval(), o.lastEval().isEmpty() ? null : o.lastEval(), out);
  }

  /** curves.png from the campaign's metrics.csv and eval.csv. */
  static void plot(Path out, String name) throws IOException {
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    series.put("reward mean", column(out.resolve("metrics.csv"), "reward/mean"));
    series.put("flagged rate (verifier)", column(out.resolve("metrics.csv"), "perceval/flagged_rate"));
    series.put("held-out accuracy", column(out.resolve("eval.csv"), "eval/accuracy"));
    series.put("held-out hallucination rate (oracle)", column(out.resolve("eval.csv"), "eval/hallucination_rate"));
    Plots.lines(out.resolve("curves.png"), "GRPO " + name, "step", "rate", series);
  }

  private static List<double[]> column(Path csv, String name) throws IOException {
    List<double[]> out = new ArrayList<>();
    if (!Files.exists(csv)) {
      return out;
    }
    List<String> lines = Files.readAllLines(csv);
    int col = List.of(lines.get(0).split(",")).indexOf(name);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      if (col > 0 && col < f.length && !f[col].isEmpty()) {
        out.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[col])});
      }
    }
    return out;
  }

  static void report(PrintStream log, long step, Map<String, Double> m) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "eval after step %d:", step));
    m.forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %.3f", k.replace("eval/", ""), v)));
    log.println(b);
  }
}
