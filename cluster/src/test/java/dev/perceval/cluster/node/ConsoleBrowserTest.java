package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigValueFactory;
import dev.perceval.cluster.ClusterFixtures;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real headless Chromium (Debian's, installed by {@code .ci/chromium-up}),
 * driven by {@link HeadlessChromium}, against a node with tokens: a page asks for the token and
 * works once it is typed in; a finished campaign's page draws its curves and shows the node's
 * refusal to pause it, a running campaign's buttons pause, resume and cancel it, the index lists
 * the campaigns, and the TTS page streams a truncation
 * run whose rounds show their flagged spans and cut. Each page's screenshot goes to
 * {@code cluster/target/console-screenshots/}, or with {@code -Dperceval.console.screenshots=docs}
 * to the ones docs/architecture.md shows.
 */
class ConsoleBrowserTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final String TOKEN = "console-browser-test-token";
  @TempDir static Path dir;

  @Test
  void theCampaignPageDrawsCurvesAndTheTtsPageMarksFlaggedSpans() throws Exception {
    Path repo = repositoryRoot();
    Path chromium = chromium(repo);
    Path root = dir.resolve("root");
    Path policy = ClusterFixtures.tinyPolicy(root.resolve("policy"));
    Path verifier = flagEverythingVerifier(policy, root.resolve("prm"));
    Node node = Node.start(NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null,
            dir.resolve("data"), 0, null)), root)
        .withValue("perceval.node.management", ConfigValueFactory.fromAnyRef(false))
        .withValue("perceval.tts.policy", ConfigValueFactory.fromAnyRef(policy.toString()))
        .withValue("perceval.tts.verifier", ConfigValueFactory.fromAnyRef(verifier.toString()))
        .withValue("perceval.http.auth.tokens-file", ConfigValueFactory.fromAnyRef(
            Files.writeString(dir.resolve("tokens"), TOKEN + " read,submit\n").toString())),
        dir.resolve("cache"));
    try {
      String base = "http://127.0.0.1:" + node.httpPort();
      String spec = ClusterFixtures.tinySpec("console", policy, 3, "eval-n = 4, eval-every = 1, checkpoint-every = 0");
      String id = JSON.readTree(send(base, "POST", "/campaigns", spec).body()).path("id").asText();
      JsonNode status = awaitEnd(base, id);
      assertEquals("completed", status.path("status").asText(), status.toString());

      JsonNode history = JSON.readTree(send(base, "GET", "/campaigns/" + id + "/history", null).body());
      assertEquals(3, history.path("steps").path("step").size(), history.toString());
      assertEquals(3, history.path("steps").path("reward/mean").size(), history.toString());
      assertTrue(history.path("evals").path("eval/accuracy").size() > 0, history.toString());
      JsonNode list = JSON.readTree(send(base, "GET", "/campaigns", null).body());
      assertEquals(id, list.path("campaigns").path(0).path("id").asText(), list.toString());

      String campaignPage = base + "/console/campaign.html?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
      // target/ by default, so a test run leaves the checkout as it was; docs/ holds the published ones.
      Path docs = Files.createDirectories(repo.resolve(
          System.getProperty("perceval.console.screenshots", "cluster/target/console-screenshots")));
      try (HeadlessChromium browser = HeadlessChromium.open(chromium, dir.resolve("profile-campaign"), campaignPage)) {
        assertTrue(browser.await("document.getElementById('notice').textContent.includes('enter a token')",
            Duration.ofSeconds(30)), "without a token the page asks for one:\n" + browser.dom());
        assertEquals("0", browser.evaluate("document.getElementById('chart-reward').dataset.points"));
        enterToken(browser);
        assertTrue(browser.await("document.getElementById('chart-step-time').dataset.points === '3'"
            + " && document.querySelectorAll('.chart canvas').length === 4", Duration.ofSeconds(30)),
            "the curves are drawn:\n" + browser.dom());
        String dom = browser.dom();
        for (String chart : new String[] {"chart-reward", "chart-flagged", "chart-step-time"}) {
          assertEquals(3, points(dom, chart), chart + " has the campaign's three steps:\n" + dom);
        }
        assertTrue(points(dom, "chart-accuracy") > 0, "held-out accuracy has points:\n" + dom);
        assertTrue(dom.contains("u-legend"), "uPlot drew the curves:\n" + dom);
        assertEquals("completed", browser.evaluate("document.getElementById('status').textContent"));
        browser.screenshot(docs.resolve("console-campaign.png"));
        browser.evaluate("document.querySelector('[data-action=pause]').click()");
        assertTrue(browser.await("document.getElementById('control-reply').textContent.includes('cannot pause')",
            Duration.ofSeconds(10)), "the node's refusal to pause a finished campaign is shown:\n" + browser.dom());
      }
      String running = JSON.readTree(send(base, "POST", "/campaigns", ClusterFixtures.tinySpec("controls", policy, 500,
          "eval-n = 4, eval-every = 0, checkpoint-every = 0")).body()).path("id").asText();
      try (HeadlessChromium browser = HeadlessChromium.open(chromium, dir.resolve("profile-controls"),
          base + "/console/campaign.html?id=" + running)) {
        enterToken(browser);
        for (String[] click : new String[][] {{"pause", "paused"}, {"resume", "running"}, {"cancel", "cancelled"}}) {
          browser.evaluate("document.querySelector('[data-action=" + click[0] + "]').click()");
          assertTrue(browser.await("document.getElementById('status').textContent === '" + click[1] + "'",
              Duration.ofSeconds(30)), click[0] + " makes the campaign " + click[1] + ":\n" + browser.dom());
          assertEquals(click[1], status(base, running).path("status").asText(), click[0]);
        }
      }
      try (HeadlessChromium browser = HeadlessChromium.open(chromium, dir.resolve("profile-index"),
          base + "/console/")) {
        enterToken(browser);
        assertTrue(browser.await("document.querySelector('tr[data-id=\"" + id + "\"]')", Duration.ofSeconds(30)),
            "the index lists the campaign:\n" + browser.dom());
      }

      String question = dev.perceval.policy.world.Worlds.create("shapes",
          dev.perceval.policy.world.WorldConfig.defaults().withImageSize(16))
          .task(dev.perceval.policy.world.Split.HELDOUT, 7, 1).question();
      String ttsPage = base + "/console/tts.html?sample&strategy=truncate&k=3&question="
          + URLEncoder.encode(question, StandardCharsets.UTF_8).replace("+", "%20");
      try (HeadlessChromium browser = HeadlessChromium.open(chromium, dir.resolve("profile-tts"),
          base + "/console/tts.html")) {
        enterToken(browser);
        assertTrue(browser.await("document.querySelectorAll('#model option').length > 1", Duration.ofSeconds(30)),
            "with the token the page lists the node's models:\n" + browser.dom());
        // The token is kept for the tab, so the sample run that starts on load sends it.
        browser.evaluate("location.href = " + JSON.writeValueAsString(ttsPage));
        assertTrue(browser.await("document.body.dataset.done === 'true' || !document.getElementById('notice').hidden",
            Duration.ofSeconds(120)), "the stream ends:\n" + browser.dom());
        String dom = browser.dom();
        assertTrue(dom.contains("data-done=\"true\""), "the stream ran to its answer:\n" + dom);
        assertTrue(dom.contains("data-round=\"0\""), "a round is shown:\n" + dom);
        Matcher mark = Pattern.compile("<mark class=\"flagged\"[^>]*>([^<]+)</mark>").matcher(dom);
        assertTrue(mark.find(), "a flagged span is highlighted:\n" + dom);
        assertTrue(dom.contains("class=\"cut\""), "the cut point is marked:\n" + dom);
        browser.screenshot(docs.resolve("console-tts.png"));
      }

      HttpResponse<String> page = send(base, "GET", "/console/", null);
      assertEquals(200, page.statusCode());
      assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
      for (String outside : new String[] {"/console/..%2F..%2Fapplication.conf", "/console/%2e%2e/conf/application.conf",
          "/console/..%2Fconf%2Fapplication.conf", "/console/lib/..%2F..%2Fconf/application.conf",
          "/console/lib/uPlot.iife.js", "/console/..%5Cconf%5Capplication.conf"}) {
        assertEquals(404, send(base, "GET", outside, null).statusCode(), outside);
      }
      assertEquals(400, send(base, "GET", "/campaigns/" + id + "/history?rows=999999999999", null).statusCode());
      assertEquals(404, send(base, "GET", "/campaigns/nope/history", null).statusCode());
    } finally {
      node.stop();
    }
  }

  /** Types the token into the page's field and submits it, as a user does. */
  static void enterToken(HeadlessChromium browser) throws Exception {
    // Before the deferred script has run, a typed token would be replaced by the stored one.
    assertTrue(browser.await("document.body.dataset.ready === 'true'", Duration.ofSeconds(30)), browser.dom());
    browser.evaluate("document.getElementById('token').value = '" + TOKEN + "';"
        + " document.querySelector('#token-form button').click()");
  }

  /**
   * An untrained verifier whose threshold is 0: it flags every claim, so a truncation run has
   * flagged spans and cuts whatever the tiny policy writes.
   */
  static Path flagEverythingVerifier(Path policy, Path out) {
    ModelCheckpoint.Header h = ModelCheckpoint.header(policy, "policy");
    VlmConfig p = h.shape();
    try (TinyVlm m = new TinyVlm(new VlmConfig(p.imageSize(), p.patch(), p.stemChannels(), p.dModel(), p.layers(),
        p.heads(), h.tokenizer().size(), p.maxText(), VlmConfig.Mode.VERIFIER), Device.cpu(), 3)) {
      ModelCheckpoint.save(out, "verifier", m, h.tokenizer(), null, 0, Map.of(), Map.of("world", h.world(),
          "threshold", "0.0"));
    }
    return out;
  }

  static int points(String dom, String chart) {
    Matcher m = Pattern.compile("id=\"" + chart + "\"[^>]*data-points=\"(\\d+)\"").matcher(dom);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  static Path repositoryRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve(".ci"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("no .ci directory above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  /** Chromium, installed by the project's own script when it is missing. */
  static Path chromium(Path repo) throws Exception {
    Path chromium = Path.of("/usr/bin/chromium");
    if (!Files.isExecutable(chromium)) {
      Process p = new ProcessBuilder(repo.resolve(".ci/chromium-up").toString()).inheritIO().start();
      assertTrue(p.waitFor(600, TimeUnit.SECONDS) && p.exitValue() == 0, ".ci/chromium-up could not install"
          + " Chromium: install it (apt-get install chromium) so that /usr/bin/chromium exists");
    }
    return chromium;
  }

  static HttpResponse<String> send(String base, String method, String path, String body)
      throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/hocon").header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode status(String base, String id) throws Exception {
    return JSON.readTree(send(base, "GET", "/campaigns/" + id, null).body());
  }

  static JsonNode awaitEnd(String base, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    JsonNode s;
    do {
      Thread.sleep(300);
      s = JSON.readTree(send(base, "GET", "/campaigns/" + id, null).body());
    } while (!List.of("completed", "failed", "cancelled").contains(s.path("status").asText())
        && System.nanoTime() < deadline);
    return s;
  }
}
