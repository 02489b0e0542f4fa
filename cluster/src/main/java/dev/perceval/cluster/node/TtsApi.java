package dev.perceval.cluster.node;

import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.perceval.actors.ImageBytes;
import dev.perceval.actors.TtsSession;
import dev.perceval.cluster.node.OpenAiErrors.Refusal;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test-time scaling over HTTP: an OpenAI chat-completions request (text and one {@code image_url}
 * data URL in the last user message; {@code model} names a policy checkpoint; {@code strategy},
 * {@code k}, {@code seed} and {@code verifier} as extra fields) becomes a {@link TtsSession}. Bad
 * requests are refused before any session starts, with the reason, in OpenAI's error shape: a
 * model the node cannot serve is 404, anything else 400 ({@link ChatOptions} for the parameters
 * beyond sampling).
 */
final class TtsApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A checked request: the session to start, the model as the request named it (the default's
   * configured name when it named none), which replies carry back, and how to answer.
   */
  record Chat(TtsSession.Request request, String model, ChatOptions options) {}

  private record PolicyInfo(Tokenizer tokenizer, String world, int imageSize, int maxText) {}

  private final ActorSystem<?> system;
  private final Config tts;
  private final DataRoot dataRoot;
  private final PolicyCatalog catalog;
  private final Map<String, PolicyInfo> policies = new ConcurrentHashMap<>();

  TtsApi(ActorSystem<?> system, Config config) {
    this.system = system;
    this.tts = config.getConfig("perceval.tts");
    this.dataRoot = NodeConfig.dataRoot(config);
    this.catalog = new PolicyCatalog(dataRoot, tts.getString("policy"));
  }

  PolicyCatalog catalog() {
    return catalog;
  }

  /**
   * Parses and checks a chat-completions body. A refusal names paths as the request did: the data
   * root's own location is left out of every message, whichever check wrote it.
   */
  Chat parse(String body) {
    try {
      return check(body);
    } catch (Refusal e) {
      throw e.withMessage(dataRoot.hide(e.getMessage()));
    }
  }

  private Chat check(String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (Exception e) {
      throw Refusal.invalid(null, "the body is not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw Refusal.invalid(null, "the body must be a JSON object with \"messages\"");
    }
    ChatOptions options = ChatOptions.of(root);
    JsonNode messages = root.path("messages");
    JsonNode user = null;
    for (JsonNode m : messages) {
      if (m.path("role").asText().equals("user")) {
        user = m;
      }
    }
    if (user == null) {
      throw Refusal.invalid("messages", "\"messages\" holds no user message");
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
            throw Refusal.invalid("messages", "one image per request, got several image_url parts");
          }
          image = dataUrl(part.path("image_url").path("url").asText());
        }
        default -> throw Refusal.invalid("messages", "unknown content part type '" + part.path("type").asText()
            + "' (text or image_url)");
      }
    }
    if (image == null) {
      throw Refusal.invalid("messages",
          "the user message has no image_url part with a data:image/png or image/jpeg URL");
    }
    String question = String.join(" ", texts).strip();
    if (question.isEmpty()) {
      throw Refusal.invalid("messages", "the user message has no question text");
    }
    String model = model(root);
    // The configured default is the operator's choice, not a request's: it may lie outside the root.
    String policy = model.equals(tts.getString("policy")) ? model : modelUnderRoot(model);
    PolicyInfo info = policy(policy);
    for (String w : question.split("\\s+")) {
      if (!info.tokenizer().contains(w)) {
        throw Refusal.invalid("messages", "the question uses '" + w + "', which policy " + model + " does not know");
      }
    }
    String strategy = root.path("strategy").asText(tts.getString("strategy"));
    TtsStrategy chosen;
    try {
      chosen = Strategies.get(strategy);
    } catch (IllegalArgumentException e) {
      throw Refusal.invalid("strategy", e.getMessage());
    }
    int k = (int) integer(root, "k", tts.getInt("k"), 1, tts.getInt("max-k"));
    byte[] pixels;
    try {
      pixels = ImageBytes.encode(ImageBytes.fromEncoded(image, info.imageSize(), tts.getInt("max-image-side")));
    } catch (IllegalArgumentException e) {
      throw Refusal.invalid("messages", e.getMessage());
    }
    // Bounded before anything is sized by them: decoding allocates rows x max_tokens. Temperature
    // 0 is greedy decoding, as OpenAI clients mean it.
    SamplingParams params = SamplingParams.sample(
        (float) real(root, "temperature", tts.getDouble("temperature"), true, tts.getDouble("max-temperature")),
        (float) real(root, "top_p", tts.getDouble("top-p"), false, 1),
        maxTokens(root, Math.min(tts.getInt("max-new-tokens"), info.maxText()), info.maxText()));
    long seed = integer(root, "seed", tts.getLong("seed"), Long.MIN_VALUE, Long.MAX_VALUE);
    String verifier = tts.getString("verifier");
    if (root.has("verifier")) {
      try {
        verifier = Verifiers.underRoot(root.path("verifier").asText(), dataRoot);
      } catch (IllegalArgumentException e) {
        throw Refusal.invalid("verifier", e.getMessage());
      }
    }
    if (chosen.needs().verifier()) {
      if (Verifiers.isOracle(verifier)) {
        throw Refusal.invalid("verifier", "the oracle verifier knows only generated tasks; " + strategy
            + " on an image needs a Perceval checkpoint as \"verifier\"");
      }
      // The header check campaign submission makes: a policy checkpoint named as the verifier is
      // refused here, not when the session fails to open it.
      try {
        Verifiers.requireReadable(verifier);
      } catch (IllegalArgumentException e) {
        throw Refusal.invalid("verifier", "verifier '" + verifier + "' is not a checkpoint of a Perceval verifier ("
            + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()) + ")");
      }
    }
    return new Chat(new TtsSession.Request(policy, verifier, info.world(), null,
        pixels, question, strategy, k, seed, params), model, options);
  }

  private String model(JsonNode root) {
    JsonNode v = root.path("model");
    if (v.isMissingNode() || v.isNull()) {
      return tts.getString("policy");
    }
    if (!v.isTextual()) {
      throw Refusal.invalid("model", "model must be a string: a policy's id as GET /v1/models lists it");
    }
    return v.asText();
  }

  /** max_tokens, or max_completion_tokens, OpenAI's newer name for it: both mean one bound. */
  private static int maxTokens(JsonNode root, int absent, int max) {
    long tokens = integer(root, "max_tokens", absent, 1, max);
    long completion = integer(root, "max_completion_tokens", tokens, 1, max);
    boolean both = !root.path("max_tokens").isMissingNode() && !root.path("max_tokens").isNull();
    if (both && completion != tokens) {
      throw Refusal.invalid("max_completion_tokens", "max_tokens (" + tokens + ") and max_completion_tokens ("
          + completion + ") disagree; send one");
    }
    return (int) completion;
  }

  private byte[] dataUrl(String url) {
    int comma = url.indexOf(',');
    if (!url.startsWith("data:") || comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
      throw Refusal.invalid("messages", "image_url must be a base64 data URL (data:image/png;base64,...)");
    }
    String mime = url.substring(5, comma - ";base64".length());
    if (!mime.equals("image/png") && !mime.equals("image/jpeg")) {
      throw Refusal.invalid("messages", "image_url has type '" + mime + "'; send image/png or image/jpeg");
    }
    long max = tts.getBytes("max-image-bytes");
    if ((url.length() - comma - 1) * 3L / 4 > max) {
      throw Refusal.invalid("messages", "the image is larger than " + max + " bytes (perceval.tts.max-image-bytes)");
    }
    try {
      return Base64.getDecoder().decode(url.substring(comma + 1));
    } catch (IllegalArgumentException e) {
      throw Refusal.invalid("messages", "image_url is not valid base64: " + e.getMessage());
    }
  }

  /** An integer field in [min, max], or {@code absent} when the request leaves it out. */
  private static long integer(JsonNode root, String field, long absent, long min, long max) {
    JsonNode v = root.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return absent;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw Refusal.invalid(field, field + " must be an integer" + (min == Long.MIN_VALUE ? "" : " in " + min + ".."
          + max) + ", got " + ChatOptions.abbreviated(v));
    }
    return v.asLong();
  }

  /** A number in (0, max] ([0, max] with {@code zero}), or {@code absent} when the request leaves it out. */
  private static double real(JsonNode root, String field, double absent, boolean zero, double max) {
    JsonNode v = root.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return absent;
    }
    double x = v.asDouble();
    if (!v.isNumber() || !((zero ? x >= 0 : x > 0) && x <= max)) {
      throw Refusal.invalid(field, field + " must be a number in " + (zero ? "[" : "(") + "0, " + max + "], got "
          + ChatOptions.abbreviated(v));
    }
    return x;
  }

  /**
   * The policy a request's model names under the node's data root: no request reads files
   * elsewhere, and one outside it is not found, in the same words whether or not it exists.
   */
  private String modelUnderRoot(String model) {
    try {
      return dataRoot.resolve("model", model);
    } catch (IllegalArgumentException e) {
      throw Refusal.modelNotFound(e.getMessage());
    }
  }

  private PolicyInfo policy(String path) {
    return policies.computeIfAbsent(path, p -> {
      try {
        ModelCheckpoint.Header h = ModelCheckpoint.header(Path.of(p), "policy");
        return new PolicyInfo(h.tokenizer(), h.world(), h.imageSize(), h.shape().maxText());
      } catch (RuntimeException e) {
        throw Refusal.modelNotFound("model '" + p + "' is not a policy checkpoint: " + e.getMessage());
      }
    });
  }

  Tokenizer tokenizer(String policy) {
    return policy(policy).tokenizer();
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
