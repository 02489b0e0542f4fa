package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import akka.actor.typed.javadsl.AskPattern;
import dev.perceval.actors.CampaignState;
import dev.perceval.actors.Coordinator;
import dev.perceval.cluster.cli.PercevalCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two ActorSystems in one JVM form a cluster (coordinator + learner on one node, sampler +
 * verifier on the other) and run a campaign whose final held-out numbers equal the in-process
 * run's.
 */
class TwoNodeCampaignTest {
  @TempDir Path dir;

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void cli(String... args) {
    StringWriter err = new StringWriter();
    int status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    assertEquals(0, status, err.toString());
  }

  @Test
  void aCampaignOverTwoNodesMatchesTheInProcessRun() throws Exception {
    Path policy = dir.resolve("policy");
    cli("sft", "--world", "shapes", "--steps", "3", "--out", policy.toString(), "--set", "world.image-size=16",
        "--set", "model.patch=4", "--set", "model.d-model=32", "--set", "model.layers=1", "--set", "model.heads=2",
        "--set", "sft.batch-size=4");
    String spec = "name = two, policy = \"" + policy + "\", verifier = oracle, data.world = shapes, steps = 2,"
        + " prompts-per-step = 2, group-size = 4, rollout { max-new-tokens = 20, overlong-buffer = 4, micro-batch = 4 },"
        + " actor.lr = 1e-3, trainer { eval-n = 8, eval-every = 0, checkpoint-every = 0 }";
    Path specFile = dir.resolve("spec.conf");
    Files.writeString(specFile, spec + ", out = \"" + dir.resolve("local") + "\"");
    cli("train", "--spec", specFile.toString());
    List<String> evals = Files.readAllLines(dir.resolve("local/eval.csv"));
    String[] header = evals.get(0).split(",");
    String[] last = evals.get(evals.size() - 1).split(",");

    int portA = freePort();
    int portB = freePort();
    String seed = "127.0.0.1:" + portA;
    Node a = Node.start(NodeConfig.load(new NodeConfig.Options(null, List.of("coordinator", "learner"), portA,
        List.of(seed), dir.resolve("data-a"), freePort(), null, 0)), dir.resolve("cache"));
    Node b = Node.start(NodeConfig.load(new NodeConfig.Options(null, List.of("sampler", "verifier"), portB,
        List.of(seed), dir.resolve("data-b"), freePort(), null, 0)), dir.resolve("cache"));
    try {
      Coordinator.Accepted accepted = AskPattern.<Coordinator.Command, Coordinator.Accepted>ask(a.coordinator(),
          r -> new Coordinator.Submit(spec + ", out = \"" + dir.resolve("cluster") + "\"", r), Duration.ofSeconds(60),
          a.system().scheduler()).toCompletableFuture().get();
      assertNull(accepted.error(), accepted.error());
      CampaignState.Campaign done = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
      while (System.nanoTime() < deadline) {
        done = AskPattern.<Coordinator.Command, Coordinator.StatusReply>ask(a.coordinator(),
            r -> new Coordinator.GetStatus(accepted.id(), r), Duration.ofSeconds(10), a.system().scheduler())
            .toCompletableFuture().get().campaign();
        if (done != null && done.finished()) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals(CampaignState.Status.COMPLETED, done.status(), String.valueOf(done));
      for (int i = 1; i < header.length; i++) {
        assertEquals(Double.parseDouble(last[i]), done.metrics().get(header[i]), 1e-5, header[i]);
      }
    } finally {
      b.stop();
      a.stop();
    }
  }
}
