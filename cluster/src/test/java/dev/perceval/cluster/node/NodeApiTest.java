package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.cluster.cli.PercevalCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API and akka-management of one node: bad specs are 400 with the reason, unknown ids 404. */
class NodeApiTest {
  @TempDir static Path dir;
  static Node node;
  static int management;
  static String base;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    management = TwoNodeCampaignTest.freePort();
    node = Node.start(NodeConfig.load(new NodeConfig.Options(null, null, 0, null, dir.resolve("data"), 0, null,
        management)), dir.resolve("cache"));
    base = "http://127.0.0.1:" + node.httpPort();
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  static HttpResponse<String> send(String method, String url, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    b = method.equals("GET") ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthReadinessAndMetricsAnswer() throws Exception {
    assertEquals(200, send("GET", base + "/healthz", null).statusCode());
    assertEquals(200, send("GET", "http://127.0.0.1:" + management + "/alive", null).statusCode());
    int ready = 0;
    for (int i = 0; i < 100 && ready != 200; i++) {
      ready = send("GET", "http://127.0.0.1:" + management + "/ready", null).statusCode();
      Thread.sleep(100);
    }
    assertEquals(200, ready);
    HttpResponse<String> metrics = send("GET", base + "/metrics", null);
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("jvm_memory_used_bytes"), metrics.body());
  }

  @Test
  void invalidSpecsAre400WithTheReason() throws Exception {
    HttpResponse<String> unknownKey = send("POST", base + "/campaigns", "policy = x\nverifier = oracle\nalgorithm.alhpa = 1");
    assertEquals(400, unknownKey.statusCode());
    assertTrue(unknownKey.body().contains("algorithm.alhpa"), unknownKey.body());
    HttpResponse<String> negative = send("POST", base + "/campaigns", "policy = x, verifier = oracle, steps = -4");
    assertEquals(400, negative.statusCode());
    assertTrue(negative.body().contains("steps"), negative.body());
    HttpResponse<String> missing = send("POST", base + "/campaigns",
        "policy = \"" + dir.resolve("no-such-ckpt") + "\", verifier = oracle");
    assertEquals(400, missing.statusCode());
    assertTrue(missing.body().contains("no-such-ckpt"), missing.body());
    assertEquals(400, send("POST", base + "/campaigns", "").statusCode());
  }

  @Test
  void unknownCampaignsAre404AndTheCliSaysSo() throws Exception {
    assertEquals(404, send("GET", base + "/campaigns/c0042-nope", null).statusCode());
    assertEquals(404, send("POST", base + "/campaigns/c0042-nope/pause", "").statusCode());
    StringWriter err = new StringWriter();
    int status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        "status", "--url", base, "c0042-nope");
    assertEquals(2, status);
    assertTrue(err.toString().contains("no campaign 'c0042-nope'"), err.toString());
    Path spec = dir.resolve("bad.conf");
    Files.writeString(spec, "policy = x, verifier = oracle, steps = -4");
    err = new StringWriter();
    status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        "submit", "--url", base, spec.toString());
    assertEquals(2, status);
    assertTrue(err.toString().contains("steps"), err.toString());
  }
}
