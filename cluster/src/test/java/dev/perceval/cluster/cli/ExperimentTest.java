package dev.perceval.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code experiment --preset smoke} writes every table, CSV and figure of the report, and a run
 * stopped after a campaign's first checkpoint goes on from there to the same numbers.
 */
class ExperimentTest {
  @TempDir Path tmp;

  private record Run(int status, String out, String err) {}

  /** The workflows print to the standard output, as every command does; it is captured here. */
  private Run experiment() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    PrintStream stdout = System.out;
    int status;
    try (PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "experiment",
          "--preset", "smoke", "--out", tmp.resolve("report").toString(), "--work", tmp.resolve("work").toString());
    } finally {
      System.setOut(stdout);
    }
    return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString());
  }

  private List<String> csv(String name) throws IOException {
    return Files.readAllLines(tmp.resolve("report").resolve(name));
  }

  @Test
  void smokePresetWritesTheReportAndResumes() throws IOException {
    Run first = experiment();
    assertEquals(0, first.status(), first.err());
    Path report = tmp.resolve("report");
    assertTrue(Files.size(report.resolve("flagged-rate.png")) > 1000);
    String readme = Files.readString(report.resolve("README.md"));
    for (String section : List.of("## Setup", "## Table 1", "## Table 2", "## Table 3", "## The verifier",
        "## Fig. 2", "![flagged rate](flagged-rate.png)")) {
      assertTrue(readme.contains(section), section);
    }
    List<String> runs = csv("runs.csv");
    assertTrue(runs.get(0).startsWith("run,arm,seed,alpha,accuracy,judged_wrong,claims_wrong,sum,"), runs.get(0));
    int families = runs.get(0).split(",").length - 7;
    assertEquals("family,arm,mean,std,seeds", csv("table1.csv").get(0));
    // Each family, overall accuracy and judged-wrong rows, for each of the three arms, over both seeds.
    assertEquals((families + 2) * 3, csv("table1.csv").size() - 1);
    assertTrue(csv("table1.csv").stream().skip(1).allMatch(l -> l.endsWith(",2")));
    // Two seeds of three arms and the sweep's one extra alpha.
    assertEquals(7, runs.size() - 1);
    assertEquals("strategy,k,accuracy,generated_tokens,policy_calls,prm_calls,seconds", csv("table2.csv").get(0));
    assertTrue(csv("table2.csv").stream().anyMatch(l -> l.startsWith("greedy,1,")));
    assertTrue(csv("table2.csv").stream().anyMatch(l -> l.startsWith("truncate,2,")));
    assertEquals("alpha,accuracy,judged_wrong,claims_wrong", csv("table3.csv").get(0));
    assertEquals(3, csv("table3.csv").size() - 1);
    assertEquals("set,judge,segments,wrong,precision,recall,f1,span_iou", csv("prm.csv").get(0));
    assertTrue(csv("prm.csv").stream().anyMatch(l -> l.contains(",blank image,")));
    assertTrue(csv("prm.csv").stream().anyMatch(l -> l.contains(",flag everything,")));
    assertEquals("run,step,flagged_rate", csv("flagged.csv").get(0));

    // As if stopped after the sweep's first step: its checkpoint at step 1 is all that is left of it.
    Path last = tmp.resolve("work/grpo/perceval-alpha0.1-seed1");
    Files.delete(last.resolve("eval-final.json"));
    try (var files = Files.walk(last.resolve("checkpoints/step-2"))) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Run again = experiment();
    assertEquals(0, again.status(), again.err());
    assertTrue(again.out().contains("experiment: sft done already"), again.out());
    assertTrue(again.out().contains("experiment: grpo oracle-seed2 done already"), again.out());
    assertTrue(again.out().contains("steps 1..2"), again.out());
    assertEquals(runs, csv("runs.csv"));
  }

  @Test
  void unknownPresetIsOneLineError() {
    StringWriter err = new StringWriter();
    int status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        "experiment", "--preset", "huge", "--work", tmp.toString());
    assertEquals(2, status);
    assertTrue(err.toString().contains("unknown preset 'huge'"), err.toString());
  }
}
