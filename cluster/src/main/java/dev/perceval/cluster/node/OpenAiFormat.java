package dev.perceval.cluster.node;

import dev.perceval.actors.TtsSession;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.tts.Round;
import dev.perceval.tts.TtsResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's answer as OpenAI's chat.completion and its chunks, and as the {@code perceval}
 * view of its rounds and budget that both carry and {@code GET /tts/{id}} answers.
 *
 * <p>The message's {@code content} is the chosen round's response, what the strategy answers
 * from; {@code reasoning_content} (the field vLLM and DeepSeek give a reasoning model's thinking)
 * is every round's response, one line each, so that a client shows how the answer was reached and
 * a stream ({@link ChatStream}) can send each round as it is made while its concatenated deltas
 * still equal this message.
 */
final class OpenAiFormat {
  private OpenAiFormat() {}

  /** The OpenAI chat-completion reply, with the rounds and budget in a {@code perceval} field. */
  static Map<String, Object> completion(String id, String model, TtsSession.Status s, Tokenizer tok) {
    TtsResult result = s.result();
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("role", "assistant");
    message.put("content", tok.decode(result.finalRound().response()));
    StringBuilder reasoning = new StringBuilder();
    for (int i = 0; i < result.rounds().size(); i++) {
      reasoning.append(reasoningDelta(i, result.rounds().get(i), tok));
    }
    message.put("reasoning_content", reasoning.toString());
    Map<String, Object> choice = new LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("message", message);
    choice.put("finish_reason", "stop");
    Map<String, Object> out = header(id, "chat.completion", model);
    out.put("choices", List.of(choice));
    out.put("usage", usage(s, tok));
    out.put("perceval", view(id, s, tok));
    return out;
  }

  /** Round {@code index}'s share of {@code reasoning_content}: its response, on a line of its own. */
  static String reasoningDelta(int index, Round round, Tokenizer tok) {
    return (index == 0 ? "" : "\n") + tok.decode(round.response());
  }

  static Map<String, Object> header(String id, String object, String model) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("object", object);
    out.put("created", System.currentTimeMillis() / 1000);
    out.put("model", model);
    return out;
  }

  /**
   * Tokens of the question's prompt and every token the policy generated over all rounds, as
   * OpenAI counts a reasoning model's completion: the rounds the answer did not come from are
   * {@code reasoning_tokens}, so a client that bills or budgets by usage sees what k cost.
   */
  static Map<String, Object> usage(TtsSession.Status s, Tokenizer tok) {
    int prompt = tok.prompt(s.request().question() == null ? "" : s.request().question()).length;
    long completion = s.result().budget().generatedTokens();
    long reasoning = Math.max(0, completion - s.result().finalRound().response().length);
    return Map.of("prompt_tokens", prompt, "completion_tokens", completion, "total_tokens", prompt + completion,
        "completion_tokens_details", Map.of("reasoning_tokens", reasoning));
  }

  /** A session as JSON: request (without the image), state, answer, rounds and budget. */
  static Map<String, Object> view(String id, TtsSession.Status s, Tokenizer tok) {
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
      v.put("answer", s.result().answer());
      List<Map<String, Object>> rounds = new ArrayList<>();
      for (Round r : s.result().rounds()) {
        rounds.add(round(r, tok));
      }
      v.put("rounds", rounds);
      v.put("chosen", s.result().chosen());
      v.put("budget", budget(s.result()));
    }
    return v;
  }

  static Map<String, Object> budget(TtsResult result) {
    return Map.of("generated_tokens", result.budget().generatedTokens(), "policy_calls", result.budget().policyCalls(),
        "prm_calls", result.budget().prmCalls());
  }

  /**
   * Where token {@code index} of {@code response} starts (or, with {@code start} false, where the
   * token before it ends) in {@code text}, its decoding; -1 where {@code text} does not begin with
   * the decoding of the tokens before it. Token spans are what the verifier works in; character
   * offsets let a client mark a span in the text without the tokenizer.
   */
  static int charOffset(int[] response, int index, String text, Tokenizer tok, boolean start) {
    if (index < 0 || index > response.length) {
      return -1;
    }
    String before = tok.decode(java.util.Arrays.copyOf(response, index));
    if (!text.startsWith(before)) {
      return -1;
    }
    int at = before.length();
    // Decoded tokens are joined by a space, which belongs to neither of them.
    return start && at > 0 && at < text.length() && text.charAt(at) == ' ' ? at + 1 : at;
  }

  /** One round: its response, what it kept, what the verifier flagged and where the next round cut it. */
  static Map<String, Object> round(Round r, Tokenizer tok) {
    Map<String, Object> round = new LinkedHashMap<>();
    String text = tok.decode(r.response());
    round.put("response", text);
    round.put("kept_tokens", r.kept());
    round.put("flagged", r.flagged().stream().map(f -> {
      Map<String, Object> claim = new LinkedHashMap<>();
      claim.put("claim", f.text());
      claim.put("start", f.tokenStart());
      claim.put("end", f.tokenEnd());
      claim.put("probability", f.probability());
      int from = charOffset(r.response(), f.tokenStart(), text, tok, true);
      int to = charOffset(r.response(), f.tokenEnd(), text, tok, false);
      if (from >= 0 && to > from) {
        claim.put("char_start", from);
        claim.put("char_end", to);
      }
      return claim;
    }).toList());
    round.put("cut_at", r.cutAt());
    int cut = r.cutAt() < 0 ? -1 : charOffset(r.response(), r.cutAt(), text, tok, true);
    if (cut >= 0) {
      round.put("cut_char", cut);
    }
    if (r.reflection() != null) {
      round.put("reflection", r.reflection());
    }
    return round;
  }
}
