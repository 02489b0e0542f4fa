package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.javadsl.AskPattern;
import dev.perceval.actors.CampaignState;
import dev.perceval.cluster.ClusterFixtures;
import dev.perceval.actors.Coordinator;
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

  @Test
  void aCampaignOverTwoNodesMatchesTheInProcessRun() throws Exception {
    Path policy = dir.resolve("policy");
    ClusterFixtures.tinyPolicy(policy);
    String spec = ClusterFixtures.tinySpec("two", policy, 2, "eval-n = 8, eval-every = 0, checkpoint-every = 0");
    ClusterFixtures.trainLocally(dir, spec);
    List<String> evals = Files.readAllLines(dir.resolve("local/eval.csv"));
    String[] header = evals.get(0).split(",");
    String[] last = evals.get(evals.size() - 1).split(",");

    int portA = ClusterFixtures.freePort();
    int portB = ClusterFixtures.freePort();
    String seed = "127.0.0.1:" + portA;
    Node a = Node.start(NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null,
        List.of("coordinator", "learner"), portA, List.of(seed), dir.resolve("data-a"), ClusterFixtures.freePort(), null,
        0)), dir), dir.resolve("cache"));
    Node b = Node.start(NodeConfig.load(new NodeConfig.Options(null, List.of("sampler", "verifier"), portB,
        List.of(seed), dir.resolve("data-b"), ClusterFixtures.freePort(), null, 0)), dir.resolve("cache"));
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
      String scrape = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + a.httpPort() + "/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      GrafanaDashboardTest.assertPrometheusNames(GrafanaDashboardTest.types(scrape));
      String id = "campaign=\"" + accepted.id() + "\"";
      assertTrue(scrape.contains("perceval_campaign_steps_total{" + id + ",} 2.0"), scrape);
      assertTrue(scrape.contains("perceval_campaign_status{" + id + ",status=\"completed\",} 1.0"), scrape);
      assertTrue(scrape.contains("perceval_campaign_heldout_accuracy_ratio{" + id + ",}"), scrape);
    } finally {
      b.stop();
      a.stop();
    }
  }
}
