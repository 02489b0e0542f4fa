package dev.perceval.cluster.cli;

import dev.perceval.policy.Settings;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;

/** What commands share: evaluation with a printed report. */
final class Workflows {
  private Workflows() {}

  static Evaluator.Result evaluate(ModelCheckpoint.Loaded ckpt, World world, List<Task> tasks,
      Settings s, String label, PrintStream out) {
    Evaluator.Result r;
    try (ProgressBar bar = Progress.bar("eval", tasks.size())) {
      r = Evaluator.evaluate(ckpt.model(), ckpt.tokenizer(), world, tasks, s.eval().batchSize(),
          s.eval().maxNewTokens(), bar::stepBy);
    }
    out.printf(Locale.ROOT, "eval %s (n=%d): accuracy %.3f | format %.3f | perception-error rate %.3f"
            + " (%d of %d claims wrong) | responses judged wrong %.3f | mean tokens %.1f%n",
        label, r.n(), r.accuracy(), r.formatRate(), r.perceptionErrorRate(), r.wrongClaims(),
        r.claims(), r.hallucinationRate(), r.meanTokens());
    StringBuilder fam = new StringBuilder("  per family:");
    r.perFamily().forEach((name, c) -> fam.append(String.format(Locale.ROOT, " %s %.3f (n=%d)",
        name, c[0] == 0 ? 0 : c[1] / (double) c[0], c[0])));
    out.println(fam);
    if (!r.errorTypes().isEmpty()) {
      StringBuilder types = new StringBuilder("  judged wrong by type:");
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
