package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigValueFactory;
import dev.perceval.cluster.ClusterFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI side of a node as clients use it, from plain HTTP: errors are OpenAI error objects
 * with their status, every parameter is honoured or refused, {@code /v1/models} lists what the
 * node can serve, and {@code stream: true} is a stream of chunks that adds up to the plain answer.
 */
class OpenAiApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path dir;
  static Node node;
  static String base;
  static String question;
  static String image;
  static Path byDefault;

  @BeforeAll
  static void start() throws Exception {
    Path root = dir.resolve("root");
    Path policy = ClusterFixtures.tinyPolicy(root.resolve("tts-policy"));
    copy(policy, root.resolve("runs/a/policy"));
    copy(policy, root.resolve("runs/b/c/d/too-deep"));
    copy(policy, root.resolve(".hidden/policy"));
    // Its header reads, its weights do not: sessions on it fail once the sampler loads it.
    Files.write(copy(policy, root.resolve("broken")).resolve("model.safetensors"), new byte[64]);
    byDefault = copy(policy, dir.resolve("outside/default-policy"));
    Files.createSymbolicLink(root.resolve("linked"), dir.resolve("outside"));
    node = Node.start(NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null,
            dir.resolve("data"), 0, null)), root)
        .withValue("perceval.node.management", ConfigValueFactory.fromAnyRef(false))
        .withValue("perceval.tts.policy", ConfigValueFactory.fromAnyRef(byDefault.toString()))
        .withValue("perceval.tts.strategy", ConfigValueFactory.fromAnyRef("majority"))
        .withValue("perceval.tts.max-concurrent-requests", ConfigValueFactory.fromAnyRef(2)), dir.resolve("cache"));
    base = "http://127.0.0.1:" + node.httpPort();
    question = dev.perceval.policy.world.Worlds.create("shapes",
        dev.perceval.policy.world.WorldConfig.defaults().withImageSize(16)).task(
        dev.perceval.policy.world.Split.HELDOUT, 7, 1).question();
    image = NodeApiTest.png(16);
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  static Path copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    return to;
  }

  static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    b = method.equals("GET") ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String chat(String model, String extra) {
    return NodeApiTest.chat(model, question, image, extra);
  }

  /** The error object of an OpenAI error answer, after checking its status and shape. */
  static JsonNode error(HttpResponse<String> r, int status) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.body());
    JsonNode e = JSON.readTree(r.body()).path("error");
    assertTrue(e.isObject(), r.body());
    assertEquals(Set.of("message", "type", "param", "code"), fields(e), r.body());
    assertFalse(e.path("message").asText().isBlank(), r.body());
    assertEquals(status >= 500 ? "server_error" : "invalid_request_error", e.path("type").asText(), r.body());
    return e;
  }

  static Set<String> fields(JsonNode n) {
    Set<String> out = new TreeSet<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void modelsListTheDefaultAndThePoliciesUnderTheDataRootWithoutLeavingIt() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/models", null);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode list = JSON.readTree(r.body());
    assertEquals("list", list.path("object").asText());
    List<String> ids = new ArrayList<>();
    for (JsonNode m : list.path("data")) {
      ids.add(m.path("id").asText());
      assertEquals("model", m.path("object").asText(), m.toString());
      assertEquals("perceval", m.path("owned_by").asText(), m.toString());
      assertTrue(m.path("created").asLong() > 1_600_000_000L, m.toString());
    }
    assertEquals(List.of(byDefault.toString(), "broken", "runs/a/policy", "tts-policy"), ids,
        "the default first, then what lies under the root by name, neither too deep, hidden nor linked");

    HttpResponse<String> one = send("GET", "/v1/models/runs/a/policy", null);
    assertEquals(200, one.statusCode(), one.body());
    assertEquals("runs/a/policy", JSON.readTree(one.body()).path("id").asText());
    JsonNode missing = error(send("GET", "/v1/models/runs/zz", null), 404);
    assertEquals("model_not_found", missing.path("code").asText());
    // A listed id is a model a request may name.
    HttpResponse<String> ok = send("POST", "/v1/chat/completions", chat("runs/a/policy", "\"k\": 1, "));
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals("runs/a/policy", JSON.readTree(ok.body()).path("model").asText(), "the model as the request named it");
  }

  @Test
  void everyErrorIsAnOpenAiErrorObjectWithItsStatus() throws Exception {
    String c = "/v1/chat/completions";
    JsonNode notJson = error(send("POST", c, "{"), 400);
    assertTrue(notJson.path("message").asText().contains("not JSON"), notJson.toString());
    JsonNode unknown = error(send("POST", c, chat("no-such-model", "")), 404);
    assertEquals("model_not_found", unknown.path("code").asText());
    assertTrue(unknown.path("message").asText().contains("'no-such-model'")
        && !unknown.path("message").asText().contains(dir.resolve("root").toString()), "the data root's location stays private: "
        + unknown);
    assertEquals("model_not_found", error(send("POST", c, chat("/etc", "")), 404).path("code").asText());
    JsonNode policyAsVerifier = error(send("POST", c, chat("tts-policy",
        "\"strategy\": \"truncate\", \"verifier\": \"tts-policy\", ")), 400);
    assertEquals("verifier", policyAsVerifier.path("param").asText(), policyAsVerifier.toString());
    assertTrue(policyAsVerifier.path("message").asText().contains("'tts-policy'")
        && !policyAsVerifier.path("message").asText().contains(dir.resolve("root").toString()),
        "a refusal by any check leaves the data root's location out: " + policyAsVerifier);
    JsonNode k = error(send("POST", c, chat("tts-policy", "\"k\": 0, ")), 400);
    assertEquals("k", k.path("param").asText());
    JsonNode method = error(send("GET", c, null), 405);
    assertTrue(method.path("message").asText().contains("POST"), method.toString());
    assertEquals("unknown_url", error(send("GET", "/v1/nothing-here", null), 404).path("code").asText());
    error(send("POST", c, "{\"x\": \"" + "y".repeat(9 * 1024 * 1024) + "\"}"), 413);
    // Outside /v1 the API keeps its own error JSON.
    assertTrue(JSON.readTree(send("GET", "/campaigns/c0042-nope", null).body()).path("error").isTextual());
  }

  @Test
  void everyParameterIsHonouredOrRefusedWithA400NamingIt() throws Exception {
    String[][] refused = {
        {"\"n\": 2, ", "n", "unsupported_value"},
        {"\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}], ", "tools", "unsupported_parameter"},
        {"\"tool_choice\": \"auto\", ", "tool_choice", "unsupported_parameter"},
        {"\"logprobs\": true, ", "logprobs", "unsupported_value"},
        {"\"response_format\": {\"type\": \"json_object\"}, ", "response_format", "unsupported_value"},
        {"\"stop\": [\"</answer>\"], ", "stop", "unsupported_parameter"},
        {"\"presence_penalty\": 0.5, ", "presence_penalty", "unsupported_value"},
        {"\"logit_bias\": {\"5\": 10}, ", "logit_bias", "unsupported_parameter"},
        {"\"best_of\": 3, ", "best_of", "unsupported_parameter"},
        {"\"stream\": \"yes\", ", "stream", null},
        {"\"stream_options\": {\"include_usage\": true}, ", "stream_options", null},
        {"\"stream\": true, \"stream_options\": {\"include_obfuscation\": true}, ", "stream_options.include_obfuscation",
            "unsupported_parameter"},
        {"\"max_tokens\": 8, \"max_completion_tokens\": 9, ", "max_completion_tokens", null},
        {"\"max_completion_tokens\": 0, ", "max_completion_tokens", null},
        {"\"temperature\": -1, ", "temperature", null},
        {"\"model\": 12, ", "model", null}};
    for (String[] r : refused) {
      String body = r[1].equals("model") ? NodeApiTest.chat("tts-policy", question, image, "").replace(
          "\"model\": \"tts-policy\"", "\"model\": 12") : chat("tts-policy", r[0]);
      JsonNode e = error(send("POST", "/v1/chat/completions", body), 400);
      assertEquals(r[1], e.path("param").asText(), r[0] + ": " + e);
      assertEquals(r[2] == null ? "null" : r[2], e.path("code").isNull() ? "null" : e.path("code").asText(), r[0]);
      assertTrue(e.path("message").asText().contains(r[1].replaceAll(".*\\.", "")), r[0] + ": " + e);
    }
    // Their no-op values, which clients send as defaults, and greedy decoding are accepted.
    HttpResponse<String> ok = send("POST", "/v1/chat/completions", chat("tts-policy", "\"n\": 1, \"user\": \"u-1\","
        + " \"logprobs\": false, \"presence_penalty\": 0, \"frequency_penalty\": 0, \"tools\": [], \"stop\": null,"
        + " \"response_format\": {\"type\": \"text\"}, \"stream\": false, \"temperature\": 0, \"top_p\": 0.9,"
        + " \"max_completion_tokens\": 12, \"seed\": 3, \"k\": 2, "));
    assertEquals(200, ok.statusCode(), ok.body());
    JsonNode reply = JSON.readTree(ok.body());
    assertEquals(2, reply.path("perceval").path("rounds").size(), ok.body());
    // max_completion_tokens bounds each round; usage counts what all k rounds generated.
    JsonNode usage = reply.path("usage");
    assertEquals(reply.path("perceval").path("budget").path("generated_tokens").asLong(),
        usage.path("completion_tokens").asLong(), ok.body());
    assertTrue(usage.path("completion_tokens").asInt() <= 2 * 12, ok.body());
    assertEquals(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt(),
        usage.path("total_tokens").asInt(), ok.body());
    int reasoning = usage.path("completion_tokens_details").path("reasoning_tokens").asInt();
    assertTrue(reasoning <= usage.path("completion_tokens").asInt(), ok.body());
    assertTrue(usage.path("completion_tokens").asInt() - reasoning <= 12, "the answer's own round keeps the bound: "
        + ok.body());
    for (JsonNode round : reply.path("perceval").path("rounds")) {
      assertEquals(reply.path("perceval").path("rounds").get(0).path("response"), round.path("response"),
          "greedy decoding gives every sample the same response");
    }
  }

  /** The {@code data:} payloads of a Server-Sent Events body. */
  static List<String> events(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), r.headers().toString());
    List<String> out = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data: ")) {
        out.add(line.substring("data: ".length()));
      } else {
        assertTrue(line.isEmpty(), "only data lines, each followed by a blank one: '" + line + "'");
      }
    }
    return out;
  }

  @Test
  void aStreamSendsEachRoundThenTheAnswerAndAddsUpToThePlainReply() throws Exception {
    String extra = "\"k\": 3, \"seed\": 11, \"max_tokens\": 16, ";
    JsonNode plain = JSON.readTree(send("POST", "/v1/chat/completions", chat("tts-policy", extra)).body());
    // Sequential streams on a node serving two requests at once: each gives its place back.
    for (int attempt = 0; attempt < 3; attempt++) {
      List<String> data = events(send("POST", "/v1/chat/completions", chat("tts-policy", extra
          + "\"stream\": true, \"stream_options\": {\"include_usage\": true}, ")));
      assertEquals("[DONE]", data.get(data.size() - 1));
      List<JsonNode> chunks = new ArrayList<>();
      for (String d : data.subList(0, data.size() - 1)) {
        chunks.add(JSON.readTree(d));
      }
      String id = chunks.get(0).path("id").asText();
      StringBuilder content = new StringBuilder();
      StringBuilder reasoning = new StringBuilder();
      List<Integer> rounds = new ArrayList<>();
      for (JsonNode ch : chunks) {
        assertEquals("chat.completion.chunk", ch.path("object").asText(), ch.toString());
        assertEquals(id, ch.path("id").asText());
        assertEquals("tts-policy", ch.path("model").asText());
        JsonNode delta = ch.path("choices").path(0).path("delta");
        content.append(delta.path("content").asText(""));
        reasoning.append(delta.path("reasoning_content").asText(""));
        if (ch.path("perceval").has("round")) {
          rounds.add(ch.path("perceval").path("round").asInt());
        }
      }
      assertEquals("assistant", chunks.get(0).path("choices").path(0).path("delta").path("role").asText());
      assertEquals(List.of(0, 1, 2), rounds, "one chunk per round, in order");
      JsonNode stop = chunks.get(chunks.size() - 2);
      assertEquals("stop", stop.path("choices").path(0).path("finish_reason").asText(), stop.toString());
      JsonNode usage = chunks.get(chunks.size() - 1);
      assertEquals(0, usage.path("choices").size(), usage.toString());
      assertEquals(plain.path("usage"), usage.path("usage"));
      JsonNode message = plain.path("choices").path(0).path("message");
      assertEquals(message.path("content").asText(), content.toString(), "the deltas add up to the plain answer");
      assertEquals(message.path("reasoning_content").asText(), reasoning.toString());
      assertEquals(plain.path("perceval").path("answer"), stop.path("perceval").path("answer"));
      HttpResponse<String> later = send("GET", "/tts/" + id, null);
      assertEquals(200, later.statusCode(), "the streamed session is queryable by the chunks' id");
    }
    HttpResponse<String> after = send("POST", "/v1/chat/completions", chat("tts-policy", extra));
    assertEquals(200, after.statusCode(), after.body());
    // A refusal is an error answer, not a stream.
    error(send("POST", "/v1/chat/completions", chat("no-such-model", "\"stream\": true, ")), 404);
  }

  @Test
  void aSessionThatFailsEndsItsStreamWithAnErrorEventAndThePlainRequestWithA500() throws Exception {
    List<String> data = events(send("POST", "/v1/chat/completions", chat("broken", "\"k\": 1, \"stream\": true, ")));
    assertEquals("[DONE]", data.get(data.size() - 1));
    JsonNode last = JSON.readTree(data.get(data.size() - 2));
    assertEquals(Set.of("error"), fields(last), last.toString());
    assertEquals("server_error", last.path("error").path("type").asText(), last.toString());
    assertTrue(last.path("error").path("message").asText().contains("failed"), last.toString());
    JsonNode plain = error(send("POST", "/v1/chat/completions", chat("broken", "\"k\": 1, ")), 500);
    assertTrue(plain.path("message").asText().contains("failed"), plain.toString());
  }
}
