package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "ask", mixinStandardHelpOptions = true,
    description = "Ask a node's TTS service a question about an image; prints the answer, each round (what was"
        + " flagged and where it was cut) and the budget.")
final class AskCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", description = "The question, in the policy's words.") String question;

  @Option(names = "--image", required = true, description = "PNG or JPEG file.") Path image;

  @Option(names = "--strategy", description = "truncate, truncate-thinking, majority or best-of-n (node default).")
  String strategy;

  @Option(names = "--k", description = "Rounds or samples (node default).") Integer k;

  @Option(names = "--model", description = "Policy checkpoint (node default).") String model;

  @Option(names = "--verifier", description = "Perceval checkpoint (node default).") String verifier;

  @Mixin ApiOptions api;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(image)) {
      throw new IllegalArgumentException("image " + image + " not found");
    }
    String name = image.getFileName().toString().toLowerCase(Locale.ROOT);
    String mime = name.endsWith(".jpg") || name.endsWith(".jpeg") ? "image/jpeg" : "image/png";
    ObjectNode body = JSON.createObjectNode();
    if (model != null) {
      body.put("model", model);
    }
    if (verifier != null) {
      body.put("verifier", verifier);
    }
    if (strategy != null) {
      body.put("strategy", strategy);
    }
    if (k != null) {
      body.put("k", k);
    }
    ArrayNode content = body.putArray("messages").addObject().put("role", "user").putArray("content");
    content.addObject().put("type", "text").put("text", question);
    content.addObject().put("type", "image_url").putObject("image_url")
        .put("url", "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(image)));
    JsonNode reply = api.client().post("/v1/chat/completions", body.toString());
    JsonNode p = reply.path("perceval");
    System.out.println("answer: " + (p.path("answer").isNull() ? "(none: no well-formed response)" : p.path("answer").asText()));
    System.out.println("response: " + reply.path("choices").get(0).path("message").path("content").asText());
    int i = 0;
    for (JsonNode r : p.path("rounds")) {
      System.out.printf(Locale.ROOT, "round %d: %s%n", ++i, r.path("response").asText());
      for (JsonNode f : r.path("flagged")) {
        System.out.printf(Locale.ROOT, "  flagged: \"%s\" (p=%.2f)%n", f.path("claim").asText(), f.path("probability").asDouble());
      }
      if (r.path("cut_at").asInt() >= 0) {
        System.out.println("  cut before token " + r.path("cut_at").asInt()
            + (r.has("reflection") ? ", then: " + r.path("reflection").asText() : ""));
      }
    }
    JsonNode b = p.path("budget");
    System.out.printf(Locale.ROOT, "budget: %d generated tokens, %d policy calls, %d PRM calls (%s, k=%d, id %s)%n",
        b.path("generated_tokens").asLong(), b.path("policy_calls").asInt(), b.path("prm_calls").asInt(),
        p.path("strategy").asText(), p.path("k").asInt(), p.path("id").asText());
    return 0;
  }
}
