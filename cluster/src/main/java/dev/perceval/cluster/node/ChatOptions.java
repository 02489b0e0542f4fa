package dev.perceval.cluster.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perceval.cluster.node.OpenAiErrors.Refusal;
import java.util.Iterator;
import java.util.Set;

/**
 * The OpenAI chat-completions parameters beyond the question and its sampling: each is honoured or
 * refused with a 400 naming it, never ignored. A parameter that would change the answer and that
 * this node cannot honour ({@code tools}, {@code logprobs: true}, a JSON {@code response_format},
 * {@code stop}, {@code n > 1}, penalties) is refused, as an unknown one is, as OpenAI refuses
 * arguments it does not recognise; the same parameter at its no-op value is accepted, since
 * clients send defaults.
 *
 * @param stream answer as Server-Sent Events ({@link ChatStream})
 * @param includeUsage end the stream with a usage chunk ({@code stream_options.include_usage})
 */
record ChatOptions(boolean stream, boolean includeUsage) {
  /** What {@link TtsApi} reads itself: the question, the policy and its sampling, and this project's extras. */
  private static final Set<String> READ_ELSEWHERE = Set.of("messages", "model", "temperature", "top_p", "max_tokens",
      "max_completion_tokens", "seed", "strategy", "k", "verifier");

  static ChatOptions of(JsonNode root) {
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      JsonNode v = root.get(name);
      if (!READ_ELSEWHERE.contains(name) && !v.isNull()) {
        check(name, v);
      }
    }
    boolean stream = bool(root, "stream", "stream");
    JsonNode options = root.path("stream_options");
    boolean usage = false;
    if (!options.isMissingNode() && !options.isNull()) {
      if (!stream) {
        throw Refusal.invalid("stream_options", "stream_options is only allowed with \"stream\": true");
      }
      if (!options.isObject()) {
        throw Refusal.invalid("stream_options", "stream_options must be an object");
      }
      for (Iterator<String> names = options.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!name.equals("include_usage")) {
          throw Refusal.unsupportedParameter("stream_options." + name, "this node knows only include_usage");
        }
      }
      usage = bool(options, "include_usage", "stream_options.include_usage");
    }
    return new ChatOptions(stream, usage);
  }

  private static void check(String name, JsonNode v) {
    switch (name) {
      case "stream", "stream_options" -> { }
      // Who asks: nothing the answer depends on.
      case "user" -> requireType(name, v.isTextual(), "a string");
      case "n" -> {
        if (!v.isIntegralNumber() || v.asLong() != 1) {
          throw Refusal.unsupportedValue(name, "n must be 1: a TTS request answers with one choice (its rounds are"
              + " under \"perceval\"; k sets how many), got " + abbreviated(v));
        }
      }
      case "presence_penalty", "frequency_penalty" -> {
        if (!v.isNumber() || v.asDouble() != 0) {
          throw Refusal.unsupportedValue(name, name + " must be 0: the policy samples without penalties, got "
              + abbreviated(v));
        }
      }
      case "logprobs" -> {
        if (!v.isBoolean() || v.asBoolean()) {
          throw Refusal.unsupportedValue(name, "logprobs must be false: this node does not return log-probabilities");
        }
      }
      case "response_format" -> {
        if (!v.isObject() || !v.path("type").asText().equals("text") || v.size() != 1) {
          throw Refusal.unsupportedValue(name, "response_format must be {\"type\": \"text\"}: the policy writes its"
              + " own format, got " + abbreviated(v));
        }
      }
      case "tools", "functions" -> {
        if (!v.isArray() || !v.isEmpty()) {
          throw Refusal.unsupportedParameter(name, "the policy does not call tools");
        }
      }
      case "tool_choice", "function_call" -> {
        if (!v.asText().equals("none")) {
          throw Refusal.unsupportedParameter(name, "the policy does not call tools");
        }
      }
      case "parallel_tool_calls" -> requireType(name, v.isBoolean(), "a boolean");
      case "logit_bias" -> {
        if (!v.isObject() || !v.isEmpty()) {
          throw Refusal.unsupportedParameter(name, "the policy samples without biases");
        }
      }
      case "stop" -> {
        if (!v.isArray() || !v.isEmpty()) {
          throw Refusal.unsupportedParameter(name, "the policy stops at its own end of answer");
        }
      }
      default -> throw Refusal.unsupportedParameter(name, "this node does not honour it (it reads messages, model,"
          + " temperature, top_p, max_tokens, seed, n = 1, stream, stream_options, user, and its own strategy, k and"
          + " verifier)");
    }
  }

  private static boolean bool(JsonNode parent, String field, String name) {
    JsonNode v = parent.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return false;
    }
    requireType(name, v.isBoolean(), "a boolean");
    return v.asBoolean();
  }

  private static void requireType(String field, boolean ok, String what) {
    if (!ok) {
      throw Refusal.invalid(field, field + " must be " + what);
    }
  }

  static String abbreviated(JsonNode v) {
    String text = v.toString();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}
