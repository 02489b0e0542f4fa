package dev.perceval.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perceval.policy.io.Checkpoint;
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
 * Real node JVMs: the only sampler is killed with SIGKILL mid-campaign and a replacement node
 * started; the campaign completes, each step once, with the weights of an uninterrupted run.
 */
class SamplerKilledTest {
  @TempDir Path dir;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void cli(String... args) {
    StringWriter err = new StringWriter();
    int status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    assertEquals(0, status, err.toString());
  }

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
    cli("sft", "--world", "shapes", "--steps", "3", "--out", policy.toString(), "--set", "world.image-size=16",
        "--set", "model.patch=4", "--set", "model.d-model=32", "--set", "model.layers=1", "--set", "model.heads=2",
        "--set", "sft.batch-size=4");
    String spec = "name = killed, policy = \"" + policy + "\", verifier = oracle, data.world = shapes, steps = 12,"
        + " prompts-per-step = 2, group-size = 4, rollout { max-new-tokens = 20, overlong-buffer = 4, micro-batch = 4 },"
        + " actor.lr = 1e-3, trainer { eval-n = 8, eval-every = 0, checkpoint-every = 4 }";
    Path specFile = dir.resolve("spec.conf");
    Files.writeString(specFile, spec + ", out = \"" + dir.resolve("local") + "\"");
    cli("train", "--spec", specFile.toString(), "--threads", "1");

    int seed = freePort();
    int http = freePort();
    String[] quiet = {"--threads", "1"};
    try (LocalCluster nodes = new LocalCluster(dir.resolve("nodes"), seed, List.of("-Xmx1g"))) {
      nodes.start("coordinator", "coordinator,learner", seed, "--http-port", String.valueOf(http), "--threads", "1");
      nodes.start("verifier", "verifier", freePort(), quiet);
      nodes.start("sampler", "sampler", freePort(), quiet);
      ApiClient api = new ApiClient("http://127.0.0.1:" + http);
      LocalCluster.awaitCoordinator(api);
      String id = api.post("/campaigns", spec + ", out = \"" + dir.resolve("cluster") + "\"").path("id").asText();
      awaitStep(api, id, 3, Duration.ofSeconds(120));
      nodes.kill("sampler");
      nodes.start("replacement", "sampler", freePort(), quiet);
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
