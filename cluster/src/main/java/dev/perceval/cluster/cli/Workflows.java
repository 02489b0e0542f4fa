package dev.perceval.cluster.cli;

import dev.perceval.policy.Settings;
import dev.perceval.policy.io.Checkpoint;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.train.SftRun;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/** The steps commands share: SFT into a checkpoint, and evaluation with a printed report. */
final class Workflows {
  private Workflows() {}

  /**
   * Trains into {@code out}, checkpointing every {@code sft.checkpoint-every} steps; with
   * {@code resume}, continues from the checkpoint already there; stops after step {@code until}
   * (the schedule still spans {@code sft.steps}). Returns this run's losses.
   */
  static List<Double> sft(Context ctx, World world, Path out, boolean resume, long until, PrintStream log) {
    Settings s = ctx.settings;
    Tokenizer tok = Tokenizer.of(world.vocabulary());
    VlmConfig shape = s.model().shape(s.world().imageSize(), tok.size());
    List<Double> losses = new ArrayList<>();
    long from = 0;
    TinyVlm model;
    ModelCheckpoint.Loaded previous = null;
    if (resume && Files.exists(out.resolve(Checkpoint.MANIFEST))) {
      previous = ModelCheckpoint.load(out, "policy", ctx.device);
      model = previous.model();
      if (!previous.model().config().equals(shape) || !previous.tokenizer().equals(tok)
          || !world.name().equals(previous.meta().get("world"))) {
        model.close();
        throw new IllegalArgumentException("cannot resume from " + out + ": it was trained with another"
            + " world, vocabulary or model shape (" + previous.meta().get("world") + ", " + previous.model().config() + ")");
      }
      from = previous.step();
      if (from >= Math.min(until, s.sft().steps())) {
        model.close();
        throw new IllegalArgumentException("nothing to do: " + out + " is already at step " + from);
      }
    } else {
      model = new TinyVlm(shape, ctx.device, s.seed());
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("world", world.name());
    meta.put("families", String.join(",", s.world().families()));
    meta.put("seed", Long.toString(s.seed()));
    try (model; AdamW opt = new AdamW(model, s.sft().hyper())) {
      if (previous != null) {
        previous.restore(opt);
      }
      log.printf(Locale.ROOT, "sft: world %s, %.2fM parameters (d%d x %d layers, %d image tokens), steps %d..%d x %d%n",
          world.name(), model.parameterCount() / 1e6, shape.dModel(), shape.layers(),
          shape.imageTokens(), from, s.sft().steps(), s.sft().batchSize());
      long t0 = System.nanoTime();
      int every = s.sft().checkpointEvery();
      try (ProgressBar bar = Progress.bar("sft", s.sft().steps())) {
        bar.stepTo(from);
        long end = Math.min(until, s.sft().steps());
        SftRun.run(model, opt, tok, world, s.seed(), s.sft(), from, end, (step, r) -> {
          losses.add(r.loss());
          bar.step();
          bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f", r.loss()));
          if (every > 0 && (step + 1) % every == 0 && step + 1 < end) {
            ModelCheckpoint.save(out, "policy", model, tok, opt, step + 1, Map.of("seed", s.seed()), meta);
          }
        });
      }
      long done = Math.min(until, s.sft().steps());
      ModelCheckpoint.save(out, "policy", model, tok, opt, done, Map.of("seed", s.seed()), meta);
      log.printf(Locale.ROOT, "sft: done in %.0f s, final loss %s; checkpoint %s%n", (System.nanoTime() - t0) / 1e9,
          losses.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.3f", losses.get(losses.size() - 1)), out);
    }
    return losses;
  }

  static Evaluator.Result evaluate(ModelCheckpoint.Loaded ckpt, World world, List<Task> tasks,
      Settings s, String label, PrintStream out) {
    Evaluator.Result r;
    try (ProgressBar bar = Progress.bar("eval", tasks.size())) {
      r = Evaluator.evaluate(ckpt.model(), ckpt.tokenizer(), world, tasks, s.eval().batchSize(),
          s.eval().maxNewTokens(), bar::stepBy);
    }
    out.printf(Locale.ROOT, "eval %s (n=%d): accuracy %.3f | format %.3f | perception-error rate %.3f"
            + " (%d of %d claims wrong) | responses with a wrong claim %.3f | mean tokens %.1f%n",
        label, r.n(), r.accuracy(), r.formatRate(), r.perceptionErrorRate(), r.wrongClaims(),
        r.claims(), r.hallucinationRate(), r.meanTokens());
    StringBuilder fam = new StringBuilder("  per family:");
    r.perFamily().forEach((name, c) -> fam.append(String.format(Locale.ROOT, " %s %.3f (n=%d)",
        name, c[0] == 0 ? 0 : c[1] / (double) c[0], c[0])));
    out.println(fam);
    if (!r.errorTypes().isEmpty()) {
      StringBuilder types = new StringBuilder("  wrong claims by type:");
      r.errorTypes().forEach((type, count) -> types.append(' ').append(type).append(' ').append(count));
      out.println(types);
    }
    if (tasks.stream().allMatch(t -> t.family() != null && t.world().equals(world.name()))) {
      out.printf(Locale.ROOT, "  chance (most common train answer per family): %.3f%n",
          Evaluator.majorityBaseline(world, s.seed(), tasks, 4000));
    }
    return r;
  }

  static List<Task> heldOut(World world, Settings s, Split split, int n) {
    return Evaluator.tasks(world, split, s.seed(), n);
  }
}
