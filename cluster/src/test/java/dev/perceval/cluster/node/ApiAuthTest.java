package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
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

/** A node whose API binds every interface: tokens required, scoped, never echoed; no tokens, no start. */
class ApiAuthTest {
  static final String READER = "r".repeat(20) + "-reader-token";
  static final String SUBMITTER = "s".repeat(20) + "-submit-token";
  @TempDir static Path dir;
  static Node node;
  static String base;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static Config config(String iface) {
    return NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null, dir.resolve("data"), 0,
        null)), dir).withValue("perceval.node.management", ConfigValueFactory.fromAnyRef(false))
        .withValue("perceval.http.interface", ConfigValueFactory.fromAnyRef(iface));
  }

  @BeforeAll
  static void start() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "# operators\n" + READER + " read\n"
        + SUBMITTER + " read,submit   # CI\n\n");
    node = Node.start(config("0.0.0.0").withValue("perceval.http.auth.tokens-file",
        ConfigValueFactory.fromAnyRef(tokens.toString())), dir.resolve("cache"));
    base = "http://127.0.0.1:" + node.httpPort();
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  static HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (token != null) {
      b = b.header("Authorization", token);
    }
    b = method.equals("GET") ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyRouteButHealthzNeedsATokenOfItsScope() throws Exception {
    String[][] routes = {{"GET", "/campaigns/c0001-x", "read"}, {"GET", "/metrics", "read"},
        {"GET", "/campaigns", "read"}, {"GET", "/campaigns/c0001-x/history", "read"},
        {"GET", "/tts/tts-x", "read"}, {"POST", "/v1/chat/completions", "read"}, {"GET", "/v1/models", "read"},
        {"POST", "/campaigns", "submit"},
        {"POST", "/campaigns/c0001-x/pause", "submit"}, {"POST", "/campaigns/c0001-x/cancel", "submit"}};
    for (String[] r : routes) {
      for (String wrong : new String[] {null, "Bearer " + READER + "x", "Basic " + READER, "Bearer ", READER}) {
        HttpResponse<String> a = send(r[0], r[1], wrong, "{}");
        assertEquals(401, a.statusCode(), r[1] + " with " + wrong + ": " + a.body());
        assertTrue(a.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), r[1]);
        assertFalse(a.body().contains(READER) || a.body().contains(SUBMITTER), a.body());
        com.fasterxml.jackson.databind.JsonNode error = new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(a.body()).path("error");
        if (r[1].startsWith("/v1/")) {
          // What OpenAI clients raise as an AuthenticationError.
          assertEquals("invalid_api_key", error.path("code").asText(), a.body());
          assertTrue(error.path("message").asText().contains("bearer token"), a.body());
        } else {
          assertTrue(error.isTextual(), a.body());
        }
      }
      HttpResponse<String> reader = send(r[0], r[1], "Bearer " + READER, "{}");
      HttpResponse<String> submitter = send(r[0], r[1], "bearer " + SUBMITTER, "{}");
      if (r[2].equals("submit")) {
        assertEquals(403, reader.statusCode(), r[1] + ": " + reader.body());
        assertTrue(reader.body().contains("'submit' scope"), reader.body());
      } else {
        assertTrue(reader.statusCode() != 401 && reader.statusCode() != 403, r[1] + ": " + reader.body());
      }
      assertTrue(submitter.statusCode() != 401 && submitter.statusCode() != 403, r[1] + ": " + submitter.body());
      assertTrue(submitter.statusCode() < 500, r[1] + ": " + submitter.body());
    }
    assertEquals(200, send("GET", "/healthz", null, null).statusCode());
    assertEquals(200, send("GET", "/metrics", "Bearer " + READER, null).statusCode());
    // The console's pages hold no data: a browser loads them without a token, and their script sends it.
    for (String page : new String[] {"/console/", "/console/campaign.html", "/console/tts.html", "/console/console.js",
        "/console/lib/uPlot.min.js"}) {
      assertEquals(200, send("GET", page, null, null).statusCode(), page);
    }
  }

  @Test
  void aSpecCannotNameTheNodesJournalOrTokensThoughTheyLieUnderItsDataRoot() throws Exception {
    for (String spec : new String[] {"policy = p, verifier = oracle, out = data", "policy = tokens, verifier = oracle",
        "policy = p, verifier = oracle, out = \"data/../data/x\""}) {
      HttpResponse<String> r = send("POST", "/campaigns", "Bearer " + SUBMITTER, spec);
      assertEquals(400, r.statusCode(), r.body());
      assertTrue(r.body().contains("this node's own files"), r.body());
    }
  }

  @Test
  void theCliSendsItsTokenAndSaysHowWhenItHasNone() {
    StringWriter err = new StringWriter();
    int none = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        "status", "--url", base, "c0042-nope");
    assertEquals(2, none);
    assertTrue(err.toString().contains("bearer token") && err.toString().contains("--token"), err.toString());
    err = new StringWriter();
    int known = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        "status", "--url", base, "--token", READER, "c0042-nope");
    assertEquals(2, known);
    assertTrue(err.toString().contains("no campaign 'c0042-nope'"), err.toString());
  }

  @Test
  void aNonLoopbackApiWithoutTokensDoesNotStartUnlessInsecure() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Node.start(config("0.0.0.0"), dir.resolve("cache")));
    assertTrue(e.getMessage().contains("not loopback") && e.getMessage().contains("--insecure"), e.getMessage());
    assertFalse(ApiTokens.from(config("0.0.0.0").withValue("perceval.http.auth.insecure",
        ConfigValueFactory.fromAnyRef(true))).required());
    assertFalse(ApiTokens.from(config("127.0.0.1")).required());
  }

  @Test
  void aBadTokensFileIsNamedWithoutItsTokens() throws Exception {
    Path shortToken = Files.writeString(dir.resolve("short"), "abc123 read\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiTokens.parse(shortToken));
    assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("shorter than 16"), e.getMessage());
    assertFalse(e.getMessage().contains("abc123"), e.getMessage());
    Path scope = Files.writeString(dir.resolve("scope"), READER + " admin\n");
    e = assertThrows(IllegalArgumentException.class, () -> ApiTokens.parse(scope));
    assertTrue(e.getMessage().contains("unknown scope 'admin'"), e.getMessage());
    assertFalse(e.getMessage().contains(READER), e.getMessage());
    Path empty = Files.writeString(dir.resolve("empty"), "# nothing yet\n");
    assertThrows(IllegalArgumentException.class, () -> ApiTokens.parse(empty));
    assertThrows(IllegalArgumentException.class, () -> ApiTokens.parse(dir.resolve("missing")));
  }

  @Test
  void aNewTokenLineIsAcceptedByTheParser() throws Exception {
    String line = ApiTokens.newLine(java.util.EnumSet.allOf(ApiTokens.Scope.class));
    ApiTokens t = ApiTokens.parse(Files.writeString(dir.resolve("new"), line + "\n"));
    String token = line.split(" ")[0];
    assertEquals(ApiTokens.Verdict.ALLOWED, t.check("Bearer " + token, ApiTokens.Scope.SUBMIT));
    assertEquals(ApiTokens.Verdict.WRONG_TOKEN, t.check("Bearer " + token.substring(1), ApiTokens.Scope.READ));
  }
}
