package dev.perceval.cluster.node;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.perceval.actors.ImageBytes;
import dev.perceval.actors.TtsSession;
import dev.perceval.policy.io.DataRoot;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.prm.Verifiers;
import dev.perceval.tts.Strategies;
import dev.perceval.tts.TtsStrategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test-time scaling over HTTP: an OpenAI chat-completions request (text and one {@code image_url}
 * data URL in the last user message; {@code model} names a policy checkpoint; {@code strategy},
 * {@code k}, {@code seed} and {@code verifier} as extra fields) becomes a {@link TtsSession}. Bad
 * requests are refused before any session starts, with the reason.
 */
final class TtsApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request the caller got wrong: answered 400 with the message. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message);
    }
  }

  private record PolicyInfo(Tokenizer tokenizer, String world, int imageSize, int maxText) {}

  private final ActorSystem<?> system;
  private final Config tts;
  private final DataRoot dataRoot;
  private final Map<String, PolicyInfo> policies = new ConcurrentHashMap<>();

  TtsApi(ActorSystem<?> system, Config config) {
    this.system = system;
    this.tts = config.getConfig("perceval.tts");
    this.dataRoot = NodeConfig.dataRoot(config);
  }

  /** Parses and checks a chat-completions body; the request and its session id. */
  TtsSession.Request parse(String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (Exception e) {
      throw new BadRequest("the body is not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest("the body must be a JSON object with \"messages\"");
    }
    JsonNode messages = root.path("messages");
    JsonNode user = null;
    for (JsonNode m : messages) {
      if (m.path("role").asText().equals("user")) {
        user = m;
      }
    }
    if (user == null) {
      throw new BadRequest("\"messages\" holds no user message");
    }
    List<String> texts = new ArrayList<>();
    byte[] image = null;
    JsonNode content = user.path("content");
    if (content.isTextual()) {
      texts.add(content.asText());
    }
    for (JsonNode part : content.isArray() ? content : JSON.createArrayNode()) {
      switch (part.path("type").asText()) {
        case "text" -> texts.add(part.path("text").asText());
        case "image_url" -> {
          if (image != null) {
            throw new BadRequest("one image per request, got several image_url parts");
          }
          image = dataUrl(part.path("image_url").path("url").asText());
        }
        default -> throw new BadRequest("unknown content part type '" + part.path("type").asText()
            + "' (text or image_url)");
      }
    }
    if (image == null) {
      throw new BadRequest("the user message has no image_url part with a data:image/png or image/jpeg URL");
    }
    String question = String.join(" ", texts).strip();
    if (question.isEmpty()) {
      throw new BadRequest("the user message has no question text");
    }
    String policy = root.has("model") ? underRoot("model", root.path("model").asText()) : tts.getString("policy");
    PolicyInfo info = policy(policy);
    for (String w : question.split("\\s+")) {
      if (!info.tokenizer().contains(w)) {
        throw new BadRequest("the question uses '" + w + "', which policy " + policy + " does not know");
      }
    }
    String strategy = root.path("strategy").asText(tts.getString("strategy"));
    TtsStrategy chosen;
    try {
      chosen = Strategies.get(strategy);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    int k = (int) integer(root, "k", tts.getInt("k"), 1, tts.getInt("max-k"));
    byte[] pixels;
    try {
      pixels = ImageBytes.encode(ImageBytes.fromEncoded(image, info.imageSize(), tts.getInt("max-image-side")));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    // Bounded before anything is sized by them: decoding allocates rows x max_tokens.
    SamplingParams params = SamplingParams.sample(
        (float) real(root, "temperature", tts.getDouble("temperature"), tts.getDouble("max-temperature")),
        (float) real(root, "top_p", tts.getDouble("top-p"), 1),
        (int) integer(root, "max_tokens", Math.min(tts.getInt("max-new-tokens"), info.maxText()), 1, info.maxText()));
    long seed = integer(root, "seed", tts.getLong("seed"), Long.MIN_VALUE, Long.MAX_VALUE);
    String verifier = tts.getString("verifier");
    if (root.has("verifier")) {
      try {
        verifier = Verifiers.underRoot(root.path("verifier").asText(), dataRoot);
      } catch (IllegalArgumentException e) {
        throw new BadRequest(e.getMessage());
      }
    }
    if (chosen.needs().verifier()) {
      if (Verifiers.isOracle(verifier)) {
        throw new BadRequest("the oracle verifier knows only generated tasks; " + strategy
            + " on an image needs a Perceval checkpoint as \"verifier\"");
      }
      // The header check campaign submission makes: a policy checkpoint named as the verifier is
      // refused here, not when the session fails to open it.
      try {
        Verifiers.requireReadable(verifier);
      } catch (IllegalArgumentException e) {
        throw new BadRequest("verifier '" + verifier + "' is not a checkpoint of a Perceval verifier ("
            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()) + ")");
      }
    }
    return new TtsSession.Request(policy, verifier, info.world(), null,
        pixels, question, strategy, k, seed, params);
  }

  private byte[] dataUrl(String url) {
    int comma = url.indexOf(',');
    if (!url.startsWith("data:") || comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
      throw new BadRequest("image_url must be a base64 data URL (data:image/png;base64,...)");
    }
    String mime = url.substring(5, comma - ";base64".length());
    if (!mime.equals("image/png") && !mime.equals("image/jpeg")) {
      throw new BadRequest("image_url has type '" + mime + "'; send image/png or image/jpeg");
    }
    long max = tts.getBytes("max-image-bytes");
    if ((url.length() - comma - 1) * 3L / 4 > max) {
      throw new BadRequest("the image is larger than " + max + " bytes (perceval.tts.max-image-bytes)");
    }
    try {
      return Base64.getDecoder().decode(url.substring(comma + 1));
    } catch (IllegalArgumentException e) {
      throw new BadRequest("image_url is not valid base64: " + e.getMessage());
    }
  }

  /** An integer field in [min, max], or {@code absent} when the request leaves it out. */
  private static long integer(JsonNode root, String field, long absent, long min, long max) {
    JsonNode v = root.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return absent;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw new BadRequest(field + " must be an integer" + (min == Long.MIN_VALUE ? "" : " in " + min + ".." + max)
          + ", got " + abbreviated(v));
    }
    return v.asLong();
  }

  /** A number in (0, max], or {@code absent} when the request leaves it out. */
  private static double real(JsonNode root, String field, double absent, double max) {
    JsonNode v = root.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return absent;
    }
    if (!v.isNumber() || !(v.asDouble() > 0 && v.asDouble() <= max)) {
      throw new BadRequest(field + " must be a number in (0, " + max + "], got " + abbreviated(v));
    }
    return v.asDouble();
  }

  private static String abbreviated(JsonNode v) {
    String text = v.toString();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }

  /** A path a request names, under the node's data root: no request reads files elsewhere. */
  private String underRoot(String field, String path) {
    try {
      return dataRoot.resolve(field, path);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
  }

  private PolicyInfo policy(String path) {
    return policies.computeIfAbsent(path, p -> {
      try {
        ModelCheckpoint.Header h = ModelCheckpoint.header(Path.of(p), "policy");
        return new PolicyInfo(h.tokenizer(), h.world(), h.imageSize(), h.shape().maxText());
      } catch (RuntimeException e) {
        throw new BadRequest("model '" + p + "' is not a policy checkpoint: " + e.getMessage());
      }
    });
  }

  /** The OpenAI chat-completion reply, with the rounds and budget in a {@code perceval} field. */
  Map<String, Object> completion(String id, TtsSession.Status s) {
    Tokenizer tok = policy(s.request().policy()).tokenizer();
    var result = s.result();
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("role", "assistant");
    message.put("content", tok.decode(result.finalRound().response()));
    Map<String, Object> choice = new LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("message", message);
    choice.put("finish_reason", "stop");
    int prompt = tok.prompt(s.request().question() == null ? "" : s.request().question()).length;
    long completion = result.finalRound().response().length;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("object", "chat.completion");
    out.put("created", System.currentTimeMillis() / 1000);
    out.put("model", s.request().policy());
    out.put("choices", List.of(choice));
    out.put("usage", Map.of("prompt_tokens", prompt, "completion_tokens", completion, "total_tokens", prompt + completion));
    out.put("perceval", view(id, s));
    return out;
  }

  /** A session as JSON: request (without the image), state, answer, rounds and budget. */
  Map<String, Object> view(String id, TtsSession.Status s) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", id);
    v.put("state", s.state());
    if (s.request() != null) {
      v.put("strategy", s.request().strategy());
      v.put("k", s.request().k());
      v.put("question", s.request().question());
    }
    v.put("calls", s.calls());
    if (s.error() != null) {
      v.put("error", s.error());
    }
    if (s.result() != null) {
      Tokenizer tok = policy(s.request().policy()).tokenizer();
      v.put("answer", s.result().answer());
      List<Map<String, Object>> rounds = new ArrayList<>();
      for (var r : s.result().rounds()) {
        Map<String, Object> round = new LinkedHashMap<>();
        round.put("response", tok.decode(r.response()));
        round.put("kept_tokens", r.kept());
        round.put("flagged", r.flagged().stream().map(f -> Map.of("claim", f.text(), "start", f.tokenStart(),
            "end", f.tokenEnd(), "probability", f.probability())).toList());
        round.put("cut_at", r.cutAt());
        if (r.reflection() != null) {
          round.put("reflection", r.reflection());
        }
        rounds.add(round);
      }
      v.put("rounds", rounds);
      v.put("chosen", s.result().chosen());
      v.put("budget", Map.of("generated_tokens", s.result().budget().generatedTokens(),
          "policy_calls", s.result().budget().policyCalls(), "prm_calls", s.result().budget().prmCalls()));
    }
    return v;
  }

  EntityRef<TtsSession.Command> session(String id) {
    return ClusterSharding.get(system).entityRefFor(TtsSession.TYPE, id);
  }

  static String newId() {
    return "tts-" + UUID.randomUUID();
  }

  /** Whether {@code id} could be one {@link #newId} made: any other is unknown without asking a shard. */
  static boolean isId(String id) {
    return id.matches("tts-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  }

  Duration timeout() {
    return tts.getDuration("timeout");
  }

  int maxConcurrentRequests() {
    return tts.getInt("max-concurrent-requests");
  }

  /** Waits for the session to end (it polls: sessions are short and the wait is per request). */
  TtsSession.Status await(String id) throws Exception {
    Duration timeout = tts.getDuration("timeout");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      TtsSession.Status s = session(id).<TtsSession.Status>ask(TtsSession.Get::new, Duration.ofSeconds(30))
          .toCompletableFuture().get();
      if (!s.state().equals("running") || System.nanoTime() > deadline) {
        return s;
      }
      Thread.sleep(100);
    }
  }
}
