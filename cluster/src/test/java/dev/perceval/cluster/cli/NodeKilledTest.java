package dev.perceval.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perceval.cluster.ClusterFixtures;
import dev.perceval.policy.io.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real node JVMs: a worker node is killed with SIGKILL mid-campaign and a replacement started;
 * the campaign completes, each step journaled once, with the weights of an uninterrupted run.
 */
class NodeKilledTest {
  private static final int STEPS = 12;
  private static final String[] QUIET = {"--threads", "1"};

  @TempDir Path dir;

  @Test
  void aCampaignOutlivesItsOnlySamplerKilledAndReplaced() throws Exception {
    String spec = uninterruptedRun();
    int seed = ClusterFixtures.freePort();
    int http = ClusterFixtures.freePort();
    try (LocalCluster nodes = new LocalCluster(dir.resolve("nodes"), seed, List.of("-Xmx1g"))) {
      nodes.start("coordinator", "coordinator,learner", seed, "--http-port", String.valueOf(http), "--threads", "1");
      nodes.start("verifier", "verifier", ClusterFixtures.freePort(), QUIET);
      nodes.start("sampler", "sampler", ClusterFixtures.freePort(), QUIET);
      ApiClient api = new ApiClient("http://127.0.0.1:" + http);
      String id = submit(api, spec);
      awaitStep(api, id, 3, Duration.ofSeconds(120));
      nodes.kill("sampler");
      nodes.start("replacement", "sampler", ClusterFixtures.freePort(), QUIET);
      assertEquals(STEPS, awaitStep(api, id, STEPS, Duration.ofSeconds(240)).path("step").asLong());
    }
    assertSameAsUninterrupted();
  }

  @Test
  void aCampaignWaitsForANewLearnerAndRedoesTheStepsSinceItsCheckpoint() throws Exception {
    String spec = uninterruptedRun();
    int seed = ClusterFixtures.freePort();
    int http = ClusterFixtures.freePort();
    try (LocalCluster nodes = new LocalCluster(dir.resolve("nodes"), seed, List.of("-Xmx1g"))) {
      nodes.start("coordinator", "coordinator", seed, "--http-port", String.valueOf(http), "--threads", "1");
      nodes.start("workers", "sampler,verifier", ClusterFixtures.freePort(), QUIET);
      nodes.start("learner", "learner", ClusterFixtures.freePort(), QUIET);
      ApiClient api = new ApiClient("http://127.0.0.1:" + http);
      String id = submit(api, spec);
      // Past the checkpoint of step 4: steps 5 and 6 are lost with the learner and run again.
      awaitStep(api, id, 6, Duration.ofSeconds(120));
      nodes.kill("learner");
      nodes.start("new-learner", "learner", ClusterFixtures.freePort(), QUIET);
      assertEquals(STEPS, awaitStep(api, id, STEPS, Duration.ofSeconds(240)).path("step").asLong());
    }
    assertSameAsUninterrupted();
  }

  @Test
  void aStandbyCoordinatorTakesTheCampaignOverWhenTheActiveOneIsKilled() throws Exception {
    String spec = uninterruptedRun();
    Path journal = ClusterFixtures.postgresJournal("perceval_standby_test", dir.resolve("pg.conf"));
    int seed = ClusterFixtures.freePort();
    int httpActive = ClusterFixtures.freePort();
    int httpStandby = ClusterFixtures.freePort();
    String conf = journal.toString();
    try (LocalCluster nodes = new LocalCluster(dir.resolve("nodes"), seed, List.of("-Xmx1g"))) {
      nodes.start("active", "coordinator", seed, "--config", conf, "--http-port", String.valueOf(httpActive),
          "--threads", "1");
      nodes.start("standby", "coordinator", ClusterFixtures.freePort(), "--config", conf, "--http-port",
          String.valueOf(httpStandby), "--threads", "1");
      nodes.start("workers", "learner,sampler,verifier", ClusterFixtures.freePort(), "--config", conf, "--threads", "1");
      String id = submit(new ApiClient("http://127.0.0.1:" + httpActive), spec);
      ApiClient standby = new ApiClient("http://127.0.0.1:" + httpStandby);
      long killedAt = awaitStep(standby, id, 3, Duration.ofSeconds(120)).path("step").asLong();
      long t0 = System.nanoTime();
      nodes.kill("active");
      // Hand-over: the singleton moves once the split-brain resolver has downed the dead node.
      awaitStep(standby, id, killedAt + 2, Duration.ofSeconds(180));
      System.out.printf("coordinator hand-over: step %d journaled %.1f s after the active coordinator was killed%n",
          killedAt + 2, (System.nanoTime() - t0) / 1e9);
      assertEquals(STEPS, awaitStep(standby, id, STEPS, Duration.ofSeconds(240)).path("step").asLong());
    }
    assertSameAsUninterrupted();
  }

  /** Trains the campaign in this process into {@code local/}; returns its spec. */
  private String uninterruptedRun() throws Exception {
    Path policy = dir.resolve("policy");
    ClusterFixtures.tinyPolicy(policy);
    String spec = ClusterFixtures.tinySpec("killed", policy, STEPS, "eval-n = 8, eval-every = 0, checkpoint-every = 4");
    ClusterFixtures.trainLocally(dir, spec, "--threads", "1");
    return spec;
  }

  private String submit(ApiClient api, String spec) throws Exception {
    LocalCluster.awaitCoordinator(api);
    return api.post("/campaigns", spec + ", out = \"" + dir.resolve("cluster") + "\"").path("id").asText();
  }

  private void assertSameAsUninterrupted() throws Exception {
    String params = "checkpoints/step-" + STEPS + "/params.bin";
    assertEquals(Checkpoint.sha256(dir.resolve("local").resolve(params)),
        Checkpoint.sha256(dir.resolve("cluster").resolve(params)), "the weights of the uninterrupted run");
    assertEquals(Files.readAllLines(dir.resolve("local/eval.csv")), Files.readAllLines(dir.resolve("cluster/eval.csv")));
    assertEquals(STEPS + 1, Files.readAllLines(dir.resolve("cluster/metrics.csv")).size(), "a header and each step once");
  }

  private static JsonNode awaitStep(ApiClient api, String id, long step, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      JsonNode s;
      try {
        s = api.get("/campaigns/" + id);
      } catch (IllegalStateException | IllegalArgumentException e) {
        // The coordinator is moving to another node: the API answers again once it has.
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the coordinator did not answer in " + within.toSeconds() + " s", e);
        }
        Thread.sleep(200);
        continue;
      }
      String status = s.path("status").asText();
      if (status.equals("failed") || status.equals("cancelled")) {
        throw new AssertionError("campaign " + status + ": " + s);
      }
      if (s.path("step").asLong() >= step && (step < STEPS || status.equals("completed"))) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("campaign did not reach step " + step + " in " + within.toSeconds() + " s: " + s);
      }
      Thread.sleep(200);
    }
  }
}
