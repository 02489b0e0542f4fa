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
 * Real node JVMs: the only sampler is killed with SIGKILL mid-campaign and a replacement node
 * started; the campaign completes, each step once, with the weights of an uninterrupted run.
 */
class SamplerKilledTest {
  @TempDir Path dir;

  private static JsonNode awaitStep(ApiClient api, String id, long step, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      JsonNode s = api.get("/campaigns/" + id);
      String status = s.path("status").asText();
      if (status.equals("failed") || status.equals("cancelled")) {
        throw new AssertionError("campaign " + status + ": " + s);
      }
      if (s.path("step").asLong() >= step && (step < 12 || status.equals("completed"))) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("campaign did not reach step " + step + " in " + within.toSeconds() + " s: " + s);
      }
      Thread.sleep(200);
    }
  }

  @Test
  void aCampaignOutlivesItsOnlySamplerKilledAndReplaced() throws Exception {
    Path policy = dir.resolve("policy");
    ClusterFixtures.tinyPolicy(policy);
    String spec = ClusterFixtures.tinySpec("killed", policy, 12, "eval-n = 8, eval-every = 0, checkpoint-every = 4");
    ClusterFixtures.trainLocally(dir, spec, "--threads", "1");

    int seed = ClusterFixtures.freePort();
    int http = ClusterFixtures.freePort();
    String[] quiet = {"--threads", "1"};
    try (LocalCluster nodes = new LocalCluster(dir.resolve("nodes"), seed, List.of("-Xmx1g"))) {
      nodes.start("coordinator", "coordinator,learner", seed, "--http-port", String.valueOf(http), "--threads", "1");
      nodes.start("verifier", "verifier", ClusterFixtures.freePort(), quiet);
      nodes.start("sampler", "sampler", ClusterFixtures.freePort(), quiet);
      ApiClient api = new ApiClient("http://127.0.0.1:" + http);
      LocalCluster.awaitCoordinator(api);
      String id = api.post("/campaigns", spec + ", out = \"" + dir.resolve("cluster") + "\"").path("id").asText();
      awaitStep(api, id, 3, Duration.ofSeconds(120));
      nodes.kill("sampler");
      nodes.start("replacement", "sampler", ClusterFixtures.freePort(), quiet);
      JsonNode done = awaitStep(api, id, 12, Duration.ofSeconds(240));
      assertEquals(12, done.path("step").asLong());
    }
    String params = "checkpoints/step-12/params.bin";
    assertEquals(Checkpoint.sha256(dir.resolve("local").resolve(params)),
        Checkpoint.sha256(dir.resolve("cluster").resolve(params)), "the weights of the uninterrupted run");
    assertEquals(Files.readAllLines(dir.resolve("local/eval.csv")), Files.readAllLines(dir.resolve("cluster/eval.csv")));
    assertEquals(13, Files.readAllLines(dir.resolve("cluster/metrics.csv")).size(), "a header and each step once");
  }
}
