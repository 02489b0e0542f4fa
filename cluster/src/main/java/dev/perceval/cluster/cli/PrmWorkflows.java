package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.prm.PrmEval;
import dev.perceval.prm.PrmRun;
import dev.perceval.prm.PrmSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The verifier's training and evaluation as commands show them: progress, a loss plot, a table and JSON. */
final class PrmWorkflows {
  private PrmWorkflows() {}

  static void train(Context ctx, PrmSettings prm, String world, Path policy, Path out, PrintStream log)
      throws IOException {
    PrmRun.Trained t = PrmRun.train(ctx.settings, prm, world, policy, out, ctx.device, new ConsoleListener(log));
    Plots.line(out.resolveSibling(out.getFileName() + "-loss.png"), "Perceval verifier loss", "step",
        "weighted BCE per token", "train", t.losses());
  }

  static void evaluate(Context ctx, PrmSettings prm, String world, Path prmDir, Path policy, int n, Path json,
      PrintStream out) throws IOException {
    PrmRun.Evaluation ev = PrmRun.evaluate(ctx.settings, prm, world, prmDir, policy, n, ctx.device,
        new ConsoleListener(out));
    out.printf(Locale.ROOT, "prm eval %s/heldout, threshold %.2f%n", ev.world(), ev.threshold());
    out.printf(Locale.ROOT, "  %-22s %7s %6s %9s %7s %6s %9s%n", "set / judge", "judged", "wrong", "precision",
        "recall", "f1", "span-iou");
    Map<String, Object> report = new LinkedHashMap<>();
    ev.sets().forEach((set, rows) -> {
      out.println("  " + set);
      Map<String, Object> setJson = new LinkedHashMap<>();
      rows.forEach((row, r) -> {
        PrmEval.Counts c = r.overall();
        out.printf(Locale.ROOT, "    %-20s %7d %6d %9.3f %7.3f %6.3f %9.3f%n", row, c.claims(), c.tp() + c.fn(),
            c.precision(), c.recall(), c.f1(), c.spanIou());
        Map<String, Object> types = new LinkedHashMap<>();
        r.byErrorType().forEach((type, tc) -> {
          if (row.startsWith("by ")) {
            out.printf(Locale.ROOT, "      %-18s %7s %6d %9s %7.3f%n", type, "", tc.tp() + tc.fn(), "", tc.recall());
          }
          types.put(type, Map.of("wrong", tc.tp() + tc.fn(), "recall", tc.recall()));
        });
        setJson.put(row, Map.of("judged", c.claims(), "wrong", c.tp() + c.fn(), "precision", c.precision(),
            "recall", c.recall(), "f1", c.f1(), "spanIou", c.spanIou(), "byErrorType", types));
      });
      report.put(set, setJson);
    });
    out.printf(Locale.ROOT, "  reading, objects right on %d held-out scenes: verifier %.3f (perception head),"
            + " policy %.3f (greedy claims)%n", ev.verifierReading().objects(), ev.verifierReading().accuracy(),
        ev.policyReading().accuracy());
    if (json != null) {
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), Map.of(
          "world", ev.world(), "threshold", ev.threshold(), "sets", report, "reading", Map.of(
              "objects", ev.verifierReading().objects(), "verifier", ev.verifierReading().accuracy(),
              "policy", ev.policyReading().accuracy())));
    }
  }
}
