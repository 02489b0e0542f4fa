package dev.perceval.cluster.node;

import dev.perceval.cluster.ClusterFixtures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    management = ClusterFixtures.freePort();
    node = Node.start(NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null,
        dir.resolve("data"), 0, null, management)), root()).withValue("perceval.tts.session-idle",
        com.typesafe.config.ConfigValueFactory.fromAnyRef("2s")), dir.resolve("cache"));
    base = "http://127.0.0.1:" + node.httpPort();
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  /** The node's data root: requests may name paths under it only. */
  static Path root() {
    return dir.resolve("root");
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
        "policy = \"" + root().resolve("no-such-ckpt") + "\", verifier = oracle");
    assertEquals(400, missing.statusCode());
    assertTrue(missing.body().contains("no-such-ckpt"), missing.body());
    assertEquals(400, send("POST", base + "/campaigns", "").statusCode());
  }

  @Test
  void aSpecsPathsStayUnderTheDataRootAndTheRefusalSaysNothingOfWhatIsThere() throws Exception {
    // The same words for a directory that exists outside the root and one that does not.
    for (String[] c : new String[][] {{"policy", dir.resolve("data").toString()}, {"policy", "/no-such-dir"},
        {"policy", "../data"}, {"policy", "a/../../data"}, {"verifier", dir.toString()}, {"out", "/tmp/elsewhere"},
        {"out", "../elsewhere"}}) {
      String spec = "policy = p, verifier = oracle, " + c[0] + " = \"" + c[1] + "\"";
      HttpResponse<String> r = send("POST", base + "/campaigns", spec);
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains(c[0] + ": '" + c[1] + "' is not under this node's data root"), r.body());
      assertFalse(r.body().contains("not found") || r.body().contains("exist"), r.body());
    }
  }

  @Test
  void aSpecCannotReadTheNodesEnvironmentOrFiles() throws Exception {
    String path = System.getenv("PATH");
    HttpResponse<String> env = send("POST", base + "/campaigns", "verifier = oracle, policy = ${PATH}");
    assertEquals(400, env.statusCode());
    assertTrue(env.body().contains("cannot read the environment"), env.body());
    assertFalse(env.body().contains(path), env.body());
    java.nio.file.Path secret = java.nio.file.Files.writeString(dir.resolve("secret.conf"), "policy = leaked");
    HttpResponse<String> include = send("POST", base + "/campaigns",
        "verifier = oracle\ninclude file(\"" + secret + "\")");
    assertEquals(400, include.statusCode());
    assertTrue(include.body().contains("include is not allowed"), include.body());
    assertFalse(include.body().contains("leaked"), include.body());
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

  static String png(int size) throws Exception {
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(size, size,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    img.setRGB(3, 3, 0xff0000);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(img, "png", out);
    return "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(out.toByteArray());
  }

  /**
   * A PNG of a few dozen bytes that declares {@code w} x {@code h} pixels: decoded, it would ask
   * for w * h * 4 bytes.
   */
  static String pngBomb(int w, int h) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(out, "IHDR", java.nio.ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).array());
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(out, "IEND", new byte[0]);
    return "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(out.toByteArray());
  }

  private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) throws Exception {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    crc.update(data);
    out.write(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
    out.write(type.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.write(data);
    out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  static String gif() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB),
        "gif", out);
    return "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(out.toByteArray());
  }

  @Test
  void aTtsIdNeverStartedIsNotRememberedAfterItsGet() throws Exception {
    String id = "tts-" + java.util.UUID.randomUUID();
    assertEquals(404, send("GET", base + "/tts/" + id, null).statusCode());
    assertEquals(404, send("GET", base + "/tts/" + "x".repeat(1000), null).statusCode());
    assertTrue(leavesMemory(id, 5), "a GET of an unknown id leaves a session behind");
  }

  /** Whether the TTS session {@code id} is out of its shard's memory within {@code seconds}. */
  static boolean leavesMemory(String id, int seconds) throws Exception {
    for (long end = System.nanoTime() + seconds * 1_000_000_000L; System.nanoTime() < end; Thread.sleep(100)) {
      akka.cluster.sharding.typed.javadsl.ClusterSharding sharding =
          akka.cluster.sharding.typed.javadsl.ClusterSharding.get(node.system());
      akka.cluster.sharding.ShardRegion.CurrentShardRegionState state = akka.actor.typed.javadsl.AskPattern.<
              akka.cluster.sharding.typed.ClusterShardingQuery, akka.cluster.sharding.ShardRegion.CurrentShardRegionState>ask(
              sharding.shardState(), r -> new akka.cluster.sharding.typed.GetShardRegionState(
                  dev.perceval.actors.TtsSession.TYPE, r), java.time.Duration.ofSeconds(5), node.system().scheduler())
          .toCompletableFuture().get();
      if (state.getShards().stream().noneMatch(shard -> shard.getEntityIds().contains(id))) {
        return true;
      }
    }
    return false;
  }

  static String chat(String model, String question, String url, String extra) {
    return "{\"model\": \"" + model + "\", " + extra + "\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"},"
        + " {\"role\": \"user\", \"content\": [" + (question == null ? "" : "{\"type\": \"text\", \"text\": \""
        + question + "\"}, ") + "{\"type\": \"image_url\", \"image_url\": {\"url\": \"" + url + "\"}}]}]}";
  }

  @Test
  void chatCompletionsAnswerInTheOpenAiShapeAndRefuseBadRequests() throws Exception {
    Path policy = root().resolve("tts-policy");
    ClusterFixtures.tinyPolicy(policy);
    String question = dev.perceval.policy.world.Worlds.create("shapes",
        dev.perceval.policy.world.WorldConfig.defaults().withImageSize(16)).task(
        dev.perceval.policy.world.Split.HELDOUT, 7, 1).question();
    String url = base + "/v1/chat/completions";
    String image = png(40);
    HttpResponse<String> ok = send("POST", url, chat(policy.toString(), question, image,
        "\"strategy\": \"majority\", \"k\": 3, \"max_tokens\": 24, "));
    assertEquals(200, ok.statusCode(), ok.body());
    com.fasterxml.jackson.databind.JsonNode reply = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ok.body());
    assertEquals("chat.completion", reply.path("object").asText());
    assertTrue(reply.path("choices").get(0).path("message").path("content").asText().length() > 0, ok.body());
    assertEquals(3, reply.path("perceval").path("rounds").size(), ok.body());
    assertEquals(3, reply.path("perceval").path("budget").path("policy_calls").asInt(), ok.body());
    String id = reply.path("id").asText();
    HttpResponse<String> later = send("GET", base + "/tts/" + id, null);
    assertEquals(200, later.statusCode());
    assertTrue(later.body().contains("\"state\":\"done\""), later.body());
    // Ended and not asked about for perceval.tts.session-idle, it leaves memory; asked again, it
    // comes back from the journal as it was.
    assertTrue(leavesMemory(id, 10), "an ended session stays in memory");
    HttpResponse<String> recovered = send("GET", base + "/tts/" + id, null);
    assertEquals(200, recovered.statusCode());
    assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().readTree(later.body()),
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(recovered.body()));
    assertEquals(404, send("GET", base + "/tts/tts-nope", null).statusCode());

    Path file = dir.resolve("q.png");
    Files.write(file, java.util.Base64.getDecoder().decode(image.substring(image.indexOf(',') + 1)));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = PercevalCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), "ask", "--url", base,
        "--image", file.toString(), "--model", policy.toString(), "--strategy", "majority", "--k", "2", question);
    assertEquals(0, status, err.toString());
    err = new StringWriter();
    status = PercevalCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), "ask", "--url", base,
        "--image", file.toString(), "--model", policy.toString(), "--k", "0", question);
    assertEquals(2, status);
    assertTrue(err.toString().contains("k must be an integer in 1..64"), err.toString());

    String[][] bad = {
        {chat(policy.toString(), question, "data:text/plain;base64,aGVsbG8=", ""), "send image/png or image/jpeg"},
        {chat(policy.toString(), question, "data:image/png;base64," + "A".repeat(6 * 1024 * 1024), ""), "larger than"},
        {chat(policy.toString(), null, image, ""), "no question text"},
        {chat(policy.toString(), question, image, "\"k\": 0, "), "k must be an integer in 1..64"},
        {chat(policy.toString(), question, image, "\"k\": 65, "), "k must be an integer in 1..64"},
        {chat(policy.toString(), question, "data:image/png;base64,aGVsbG8=", ""), "not a PNG or JPEG"},
        {chat(policy.toString(), question, image, "\"strategy\": \"beam\", "), "unknown TTS strategy 'beam'"},
        {chat(policy.toString(), question, image, "\"verifier\": \"/etc\", "), "verifier: '/etc' is not under"},
        {chat(policy.toString(), question, image, "\"verifier\": \"oracle\", "), "knows only generated tasks"},
        {chat(policy.toString(), question, image, "\"verifier\": \"no/prm\", "), "is not a checkpoint"},
        {chat(policy.toString(), question, image, "\"verifier\": \"" + policy + "\", "),
            "holds a policy, expected a verifier"},
        {chat(policy.toString(), question, image, "\"max_tokens\": 2000000000, "), "max_tokens must be an integer in 1.."},
        {chat(policy.toString(), question, image, "\"max_tokens\": 1e40, "), "max_tokens must be an integer"},
        {chat(policy.toString(), question, image, "\"temperature\": \"hot\", "), "temperature must be a number"},
        {chat(policy.toString(), question, image, "\"temperature\": 1e9, "), "temperature must be a number in [0, 10"},
        {chat(policy.toString(), question, image, "\"temperature\": -0.5, "), "temperature must be a number in [0, 10"},
        {chat(policy.toString(), question, image, "\"top_p\": 2, "), "top_p must be a number in (0, 1"},
        {chat(policy.toString(), question, image, "\"seed\": 1.5, "), "seed must be an integer"},
        {chat(policy.toString(), question, image, "\"k\": \"3\", "), "k must be an integer in 1..64"},
        {chat(policy.toString(), question, pngBomb(100_000, 100_000), ""), "100000 x 100000 pixels; each side"},
        {chat(policy.toString(), question, pngBomb(5000, 1), ""), "each side must be in 1..4096"},
        {chat(policy.toString(), question, gif(), ""), "not a PNG or JPEG"},
        {"[1, 2]", "JSON object"}};
    for (String[] b : bad) {
      HttpResponse<String> r = send("POST", url, b[0]);
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains(b[1]), b[1] + " in " + r.body());
    }
    // A model the node cannot serve is not found, in the same words whether or not the path exists.
    String[][] notFound = {
        {root().resolve("nothing").toString(), "is not a policy checkpoint"},
        {"nothing", "is not a policy checkpoint"},
        {dir.resolve("data").toString(), "model: '" + dir.resolve("data") + "' is not under this node's data root"},
        {"../data", "model: '../data' is not under this node's data root"}};
    for (String[] m : notFound) {
      HttpResponse<String> r = send("POST", url, chat(m[0], question, image, ""));
      assertEquals(404, r.statusCode(), r.body());
      com.fasterxml.jackson.databind.JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(r.body()).path("error");
      assertEquals("model_not_found", error.path("code").asText(), r.body());
      assertTrue(error.path("message").asText().contains(m[1]), m[1] + " in " + r.body());
    }
    // The node still answers after every refusal.
    assertEquals(404, send("GET", base + "/tts/tts-nope", null).statusCode());
  }
}
