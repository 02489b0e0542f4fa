package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.perceval.cluster.ClusterFixtures;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few hundred hostile requests against a node with tokens: broken JSON and HOCON, huge numbers,
 * image and gzip bombs, traversal, substitution, includes, missing and wrong tokens, wrong content
 * types and methods, raw malformed HTTP, and seeded byte-level mutations of a valid chat request
 * and spec. Each is answered below 500, every refusal with a reason; the node still answers after,
 * and a campaign journaled before reads back the same, also from a node restarted on its journal.
 */
class HostileInputTest {
  static final String READ = "hostile-suite-read-token-0001";
  static final String SUBMIT = "hostile-suite-submit-token-0001";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  @TempDir static Path dir;

  record Probe(String method, String path, String contentType, byte[] body, String token) {
    static Probe of(String method, String path, String body, String token) {
      return new Probe(method, path, "application/json", body == null ? null : body.getBytes(StandardCharsets.UTF_8),
          token);
    }
  }

  final Map<Integer, Integer> counts = new TreeMap<>();
  final List<String> failures = new ArrayList<>();
  String base;

  static Config config(Path tokens) {
    return NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null, dir.resolve("journal"),
            0, null)), dir.resolve("served")).withValue("perceval.node.management", ConfigValueFactory.fromAnyRef(false))
        .withValue("perceval.http.auth.tokens-file", ConfigValueFactory.fromAnyRef(tokens.toString()));
  }

  @Test
  void hundredsOfHostileRequestsGet4xxWithAReasonAndTheNodeAndJournalSurvive() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), READ + " read\n" + SUBMIT + " read,submit\n");
    Path policy = ClusterFixtures.tinyPolicy(dir.resolve("served").resolve("policy"));
    Node node = Node.start(config(tokens), dir.resolve("cache"));
    String campaign;
    JsonNode before;
    try {
      base = "http://127.0.0.1:" + node.httpPort();
      String spec = ClusterFixtures.tinySpec("pre", policy, 1, "eval-n = 4, eval-every = 0, checkpoint-every = 0");
      campaign = JSON.readTree(send(Probe.of("POST", "/campaigns", spec, SUBMIT)).body()).path("id").asText();
      before = awaitEnd(campaign);
      assertEquals("completed", before.path("status").asText(), before.toString());

      String question = dev.perceval.policy.world.Worlds.create("shapes",
          dev.perceval.policy.world.WorldConfig.defaults().withImageSize(16)).task(
          dev.perceval.policy.world.Split.HELDOUT, 3, 1).question();
      String chat = NodeApiTest.chat("policy", question, NodeApiTest.png(16),
          "\"strategy\": \"majority\", \"k\": 1, \"max_tokens\": 4, ");
      List<Probe> probes = new ArrayList<>(handMade(chat));
      Random random = new Random(21);
      String badSpec = spec.replace("steps = 1", "steps = 0");
      for (int i = 0; i < 120; i++) {
        probes.add(Probe.of("POST", "/v1/chat/completions", mutate(chat, random), READ));
        probes.add(Probe.of("POST", "/campaigns", mutate(badSpec, random), SUBMIT));
      }
      for (Probe p : probes) {
        check(p, send(p));
      }
      int raw = rawHttp(node.httpPort());
      int total = probes.size() + raw;
      System.out.println("hostile input: " + total + " requests (" + probes.size() + " HTTP, " + raw
          + " raw malformed), answers by status " + counts + ", " + failures.size() + " wrong");
      assertTrue(failures.isEmpty(), String.join("\n", failures));
      assertTrue(total >= 300, "a few hundred requests: " + total);
      assertTrue(counts.keySet().stream().noneMatch(s -> s >= 500), counts.toString());
      assertEquals(200, send(Probe.of("GET", "/healthz", null, null)).statusCode(), "the node still answers");
      assertEquals(before, status(campaign), "the journaled campaign reads back as before");
    } finally {
      node.stop();
    }
    Node again = Node.start(config(tokens), dir.resolve("cache"));
    try {
      base = "http://127.0.0.1:" + again.httpPort();
      assertEquals(before, status(campaign), "the journal replays the campaign as it was");
    } finally {
      again.stop();
    }
  }

  List<Probe> handMade(String chat) throws Exception {
    List<Probe> p = new ArrayList<>();
    String c = "/v1/chat/completions";
    for (String body : new String[] {"", "{", "}", "null", "\"text\"", "[]", "{\"messages\": [}", "{\"messages\": 3}",
        "{\"messages\": [{\"role\": \"user\", \"content\": 7}]}", "[".repeat(5000), "{\"k\": 1e999999999}",
        chat.replace("\"k\": 1", "\"k\": 99999999999999999999999"), chat.replace("\"k\": 1", "\"k\": -1"),
        chat.replace("\"k\": 1", "\"k\": NaN"), chat.replace("\"max_tokens\": 4", "\"max_tokens\": 2147483648"),
        chat.replace("\"max_tokens\": 4", "\"max_tokens\": -5"), chat.replace("\"model\": \"policy\"",
            "\"model\": \"../../../../etc/passwd\""), chat.replace("\"model\": \"policy\"", "\"model\": \"/etc\""),
        chat.replace("\"model\": \"policy\"", "\"model\": \"${HOME}\""), chat.replace("\"model\": \"policy\"",
            "\"model\": \"policy/../../journal\""), chat.replace("\"model\": \"policy\"", "\"model\": 12"),
        chat.replace("data:image/png", "data:image/svg+xml"), chat.replace(";base64,", ";base64,!!!"),
        chat.replace("\"strategy\": \"majority\"", "\"strategy\": \"../x\""),
        chat.replace("\"strategy\": \"majority\", ", "\"verifier\": \"file:///etc/passwd\", "),
        NodeApiTest.chat("policy", "hello", NodeApiTest.pngBomb(65536, 65536), ""),
        NodeApiTest.chat("policy", "a b", NodeApiTest.pngBomb(1, 1), ""),
        "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "word ".repeat(100_000) + "\"}]}"}) {
      p.add(Probe.of("POST", c, body, READ));
    }
    for (String spec : new String[] {"", "{", "policy = {", "a = ${", "a = ${b}, b = ${a}", "policy = ${PATH}",
        "policy = ${?HOME}, verifier = oracle", "include \"application.conf\"", "include file(\"/etc/passwd\")",
        "include url(\"http://127.0.0.1:1/x\")", "include classpath(\"conf/application.conf\")",
        "include required(file(\"/etc/hosts\"))", "policy = policy, verifier = oracle, steps = 1e18",
        "policy = policy, verifier = oracle, steps = 9223372036854775808",
        "policy = policy, verifier = oracle, group-size = 99999999",
        "policy = policy, verifier = oracle, rollout.max-new-tokens = 2000000000",
        "policy = policy, verifier = oracle, actor.lr = 1e308", "policy = policy, verifier = oracle, actor.lr = -1",
        "policy = \"../../etc\", verifier = oracle", "policy = policy, verifier = oracle, out = \"/etc\"",
        "policy = policy, verifier = oracle, out = \"../../tmp/x\"", "policy = policy, verifier = \"/\"",
        "policy = policy, verifier = \"..\"", "policy = [1, 2], verifier = oracle", "policy = policy, verifier = oracle,"
            + " algorithm { adv-estimator = \"rm -rf\" }", "\u0000\u0001\u0002", "policy = policy\u0000, verifier = oracle",
        "policy = policy, verifier = oracle, name = \"" + "n".repeat(100_000) + "\""}) {
      p.add(Probe.of("POST", "/campaigns", spec, SUBMIT));
    }
    // Tokens: none, wrong, wrong scheme, or without the scope.
    for (String token : new String[] {null, "Bearer wrong-token-wrong-token", "Basic " + READ, "Bearer", READ}) {
      p.add(new Probe("POST", "/campaigns", "application/hocon", "policy = policy".getBytes(), token == null ? null
          : "RAW:" + token));
      p.add(new Probe("GET", "/metrics", null, null, token == null ? null : "RAW:" + token));
      p.add(new Probe("POST", c, "application/json", chat.getBytes(), token == null ? null : "RAW:" + token));
    }
    p.add(Probe.of("POST", "/campaigns", "policy = policy, verifier = oracle", READ));
    p.add(Probe.of("POST", "/campaigns/c0001-pre/cancel", "", READ));
    // Wrong content types, methods, paths and sizes; a gzip bomb the server does not inflate.
    p.add(new Probe("POST", c, "image/png", Files.readAllBytes(dir.resolve("served/policy/config.json")), READ));
    p.add(new Probe("POST", "/campaigns", "multipart/form-data; boundary=x", "--x\r\n\r\n--x--".getBytes(), SUBMIT));
    p.add(new Probe("POST", c, "application/json", new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28}, READ));
    p.add(new Probe("POST", c, "application/json", new byte[9 * 1024 * 1024], READ));
    p.add(new Probe("POST", "/campaigns", "application/hocon", ("x = \"" + "y".repeat(9 * 1024 * 1024) + "\"")
        .getBytes(), SUBMIT));
    p.add(new Probe("POST", c, "application/json+gzip", gzipBomb(), READ));
    for (String[] mp : new String[][] {{"DELETE", "/campaigns"}, {"PUT", "/campaigns/c0001-pre"}, {"GET", c},
        {"GET", "/campaigns"}, {"POST", "/metrics"}, {"PATCH", "/tts/x"}, {"GET", "/campaigns/c0001-pre/pause"},
        {"GET", "/campaigns/..%2F..%2Fetc%2Fpasswd"}, {"GET", "/tts/..%2F..%2Fetc%2Fpasswd"},
        {"GET", "/tts/tts-00000000-0000-0000-0000-000000000000"}, {"POST", "/campaigns/c0001-pre/explode"},
        {"POST", "/campaigns/%00/pause"}, {"GET", "/campaigns/" + "x".repeat(2000)}, {"GET", "/nope"},
        {"GET", "/v1/models/../../etc"}, {"POST", "/campaigns/c0001-pre/resume"},
        {"GET", "/campaigns/c0001-pre/history?rows=0"}, {"GET", "/campaigns/c0001-pre/history?rows=-1"},
        {"GET", "/campaigns/c0001-pre/history?rows=99999999999999999999"}, {"GET", "/campaigns/c0001-pre/history?rows=x"},
        {"GET", "/campaigns/c0001-pre/history?rows=1e9"}, {"GET", "/campaigns/c0001-pre/history?rows=1"},
        {"GET", "/campaigns/..%2F..%2Fetc/history"}, {"GET", "/campaigns/%00/history"},
        {"POST", "/campaigns/c0001-pre/history"}, {"GET", "/console/..%2F..%2Fapplication.conf"},
        {"GET", "/console/../conf/application.conf"}, {"GET", "/console/%2e%2e/%2e%2e/etc/passwd"},
        {"GET", "/console/lib/../../reference.conf"}, {"POST", "/console/"}, {"GET", "/console/nope.html"}}) {
      p.add(Probe.of(mp[0], mp[1], mp[0].equals("GET") ? null : "", SUBMIT));
    }
    return p;
  }

  /** 1 to 4 seeded byte-level edits: replace, delete, duplicate, or insert a hostile fragment. */
  static String mutate(String text, Random r) {
    String[] fragments = {"${PATH}", "include file(\"/etc/passwd\")", "../", "1e999", "-1", "\"", "{", "}", "[", "]",
        "\u0000", "99999999999999999999", "null", ":", ",", "\\", "${?HOME}", "/etc/passwd", "\uffff", "=", "#"};
    StringBuilder s = new StringBuilder(text);
    for (int n = 1 + r.nextInt(4); n > 0 && s.length() > 1; n--) {
      int at = r.nextInt(s.length());
      switch (r.nextInt(4)) {
        case 0 -> s.setCharAt(at, (char) (r.nextBoolean() ? 32 + r.nextInt(95) : r.nextInt(65536)));
        case 1 -> s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(20)));
        case 2 -> s.insert(at, s.substring(at, Math.min(s.length(), at + 1 + r.nextInt(40))));
        default -> s.insert(at, fragments[r.nextInt(fragments.length)]);
      }
    }
    return s.toString();
  }

  static byte[] gzipBomb() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 512; i++) {
        gz.write(zeros);
      }
    }
    return out.toByteArray();
  }

  HttpResponse<String> send(Probe p) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + p.path())).timeout(Duration.ofSeconds(120));
    if (p.token() != null) {
      b.header("Authorization", p.token().startsWith("RAW:") ? p.token().substring(4) : "Bearer " + p.token());
    }
    if (p.contentType() != null && p.body() != null) {
      b.header("Content-Type", p.contentType());
    }
    if (p.contentType() != null && p.contentType().contains("gzip")) {
      b.header("Content-Encoding", "gzip");
    }
    HttpRequest.BodyPublisher body = p.body() == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(p.body());
    return HTTP.send(b.method(p.method(), body).build(), HttpResponse.BodyHandlers.ofString());
  }

  void check(Probe p, HttpResponse<String> r) throws Exception {
    counts.merge(r.statusCode(), 1, Integer::sum);
    String what = p.method() + " " + abbreviate(p.path()) + " " + abbreviate(p.body() == null ? ""
        : new String(p.body(), StandardCharsets.UTF_8));
    if (r.statusCode() >= 500) {
      failures.add(r.statusCode() + " for " + what + ": " + abbreviate(r.body()));
    } else if (r.statusCode() >= 400) {
      JsonNode e;
      try {
        e = JSON.readTree(r.body()).path("error");
      } catch (Exception ex) {
        failures.add(r.statusCode() + " without a JSON reason for " + what + ": " + abbreviate(r.body()));
        return;
      }
      String reason = e.isObject() ? e.path("message").asText() : e.asText();
      if (reason.isBlank()) {
        failures.add(r.statusCode() + " without a reason for " + what);
      }
      for (String secret : new String[] {READ, SUBMIT, System.getenv("PATH"), System.getenv("HOME")}) {
        if (secret != null && secret.length() > 3 && reason.contains(secret) && !what.contains(secret)) {
          failures.add("the answer to " + what + " leaks '" + secret + "'");
        }
      }
    } else if (r.statusCode() == 201) {
      // A mutation that made a valid spec: its campaign is not run.
      send(Probe.of("POST", "/campaigns/" + JSON.readTree(r.body()).path("id").asText() + "/cancel", "", SUBMIT));
    }
  }

  /** Requests no HTTP client would send: the server itself answers them 4xx (status 0: no answer in 10 s). */
  int rawHttp(int port) throws Exception {
    String auth = "Authorization: Bearer " + SUBMIT + "\r\n";
    // Shorter than the longest method token: to the parser an unfinished request line, so it waits
    // for more and the connection ends at akka.http.server.idle-timeout. Every other one is answered.
    String unfinished = "GARBAGE\r\n\r\n";
    String[] requests = {unfinished, "GARBAGEGARBAGEGARBAGEGARBAGE\r\n\r\n", "GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n", "GET /healthz HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nX: "
        + "a".repeat(100_000) + "\r\n\r\n", "POST /campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: -4\r\n\r\n",
        "POST /campaigns HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 99999999999\r\n\r\n",
        "POST /campaigns HTTP/1.1\r\nHost: x\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST /campaigns HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 4\r\nContent-Length: 9\r\n\r\nabcd", "GET /\u00ff HTTP/1.1\r\n\r\n"};
    for (String req : requests) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(req.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        String head;
        try {
          head = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketTimeoutException e) {
          head = "";
        }
        int status = head.startsWith("HTTP/1.1 ") ? Integer.parseInt(head.substring(9, 12)) : 0;
        counts.merge(status, 1, Integer::sum);
        if (status >= 500 || (status == 0) != req.equals(unfinished)) {
          failures.add((status == 0 ? "no answer" : status) + " for raw " + abbreviate(req));
        }
      }
    }
    return requests.length;
  }

  JsonNode status(String id) throws Exception {
    return JSON.readTree(send(Probe.of("GET", "/campaigns/" + id, null, READ)).body());
  }

  JsonNode awaitEnd(String id) throws Exception {
    for (int i = 0; i < 1200; i++) {
      JsonNode s = status(id);
      if (!s.path("status").asText().equals("queued") && !s.path("status").asText().equals("running")) {
        return s;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("campaign " + id + " did not end");
  }

  static String abbreviate(String s) {
    String t = s.replaceAll("[\\r\\n]", " ");
    return t.length() > 100 ? t.substring(0, 100) + "..." : t;
  }
}
