package dev.perceval.cluster.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One page in a headless Chromium, driven over the DevTools protocol with the JDK's own
 * WebSocket client, so that a test can wait for what a page's script does after it loads (a
 * streamed answer goes on long after the load event) without a browser-automation library.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on ws://127\\.0\\.0\\.1:(\\d+)/");

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending;

  private HeadlessChromium(Process process, WebSocket socket, Map<Integer, CompletableFuture<JsonNode>> pending) {
    this.process = process;
    this.socket = socket;
    this.pending = pending;
  }

  /** Chromium showing {@code url} in a 1200x800 window, with a fresh profile under {@code profile}. */
  static HeadlessChromium open(Path chromium, Path profile, String url) throws Exception {
    Files.createDirectories(profile);
    Path log = profile.resolve("chromium.log");
    Process process = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--remote-debugging-port=0",
        "--user-data-dir=" + profile, "--window-size=1200,800", url)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      int port = devToolsPort(process, log);
      HttpClient http = HttpClient.newHttpClient();
      String pageSocket = null;
      for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); pageSocket == null;) {
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode t : targets) {
          if (t.path("type").asText().equals("page")) {
            pageSocket = t.path("webSocketDebuggerUrl").asText();
          }
        }
        if (pageSocket == null) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("Chromium shows no page: " + Files.readString(log));
          }
          Thread.sleep(100);
        }
      }
      Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
      WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new Replies(replies))
          .get(30, TimeUnit.SECONDS);
      return new HeadlessChromium(process, socket, replies);
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private static int devToolsPort(Process process, Path log) throws Exception {
    for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); System.nanoTime() < deadline;) {
      Matcher m = LISTENING.matcher(Files.readString(log));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("Chromium did not open its DevTools port: " + Files.readString(log));
  }

  /** Collects a message's frames and completes the call its id answers. */
  private static final class Replies implements WebSocket.Listener {
    private final Map<Integer, CompletableFuture<JsonNode>> target;
    private final StringBuilder text = new StringBuilder();

    Replies(Map<Integer, CompletableFuture<JsonNode>> target) {
      this.target = target;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          JsonNode message = JSON.readTree(text.toString());
          CompletableFuture<JsonNode> call = message.has("id") ? target.remove(message.path("id").asInt()) : null;
          if (call != null) {
            call.complete(message);
          }
        } catch (Exception e) {
          // An event this class does not read.
        }
        text.setLength(0);
      }
      socket.request(1);
      return null;
    }
  }

  /** A DevTools call's result, or an IllegalStateException with the error Chromium gave. */
  JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
        .get(30, TimeUnit.SECONDS);
    JsonNode r = reply.get(60, TimeUnit.SECONDS);
    if (r.has("error")) {
      throw new IllegalStateException(method + ": " + r.path("error"));
    }
    return r.path("result");
  }

  /** The value of a JavaScript expression in the page, as text ("" for null or undefined). */
  String evaluate(String expression) throws Exception {
    JsonNode v = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true))
        .path("result").path("value");
    return v.isMissingNode() || v.isNull() ? "" : v.asText();
  }

  /** Waits until {@code expression} is true in the page; false if it is not within {@code timeout}. */
  boolean await(String expression, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (evaluate("Boolean(" + expression + ")").equals("true")) {
          return true;
        }
      } catch (IllegalStateException e) {
        // The page is navigating: its next document answers the next try.
      }
      Thread.sleep(200);
    }
    return false;
  }

  String dom() throws Exception {
    return evaluate("document.documentElement.outerHTML");
  }

  /** The whole page, 1200 pixels wide and as tall as its content (at most 1600). */
  void screenshot(Path png) throws Exception {
    int height = Math.min(1600, Integer.parseInt(evaluate("String(document.documentElement.scrollHeight)")));
    Files.write(png, Base64.getDecoder().decode(call("Page.captureScreenshot", Map.of("format", "png",
        "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", 1200, "height", height, "scale", 1)))
        .path("data").asText()));
  }

  @Override
  public void close() throws Exception {
    socket.abort();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
