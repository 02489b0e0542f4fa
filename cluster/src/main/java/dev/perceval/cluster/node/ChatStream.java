package dev.perceval.cluster.node;

import akka.NotUsed;
import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.japi.Pair;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import dev.perceval.actors.TtsSession;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.tts.Round;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * A started session answered as Server-Sent Events ({@code "stream": true}) in OpenAI's
 * chat.completion.chunk shape: a chunk with the assistant role; one chunk per TTS round as the
 * session makes it; once it has ended, one with the answer, one with {@code finish_reason: "stop"},
 * one with the usage if {@code stream_options.include_usage} asks; then {@code [DONE]}.
 *
 * <p>Which text goes where: OpenAI clients concatenate the {@code content} deltas into the
 * message, and a user of vLLM expects that to be what the same request answers without
 * streaming. A round is not a piece of the answer (a truncated round is cut and regenerated; a
 * majority round is one vote of k), so a round's response goes into {@code
 * delta.reasoning_content}, where vLLM streams a reasoning model's thinking, with its index,
 * flagged claims and cut under the chunk's {@code perceval} field; the answer comes as the one
 * {@code content} delta. Concatenated, the deltas are the non-streaming message's {@code content}
 * and {@code reasoning_content} ({@link OpenAiFormat}).
 *
 * <p>Rounds come from {@link TtsSession.WatchRounds}, asked again after each answer and after a
 * while without one, so a session restarted on another node is followed there. A session that
 * fails or outlives {@code perceval.tts.timeout} ends the stream with an OpenAI error event, which
 * OpenAI clients raise.
 */
final class ChatStream {
  private static final ContentType EVENT_STREAM = ContentTypes.create(MediaTypes.TEXT_EVENT_STREAM);
  /** How long one watch waits for news before asking again. */
  private static final Duration WATCH = Duration.ofSeconds(10);
  private static final int OVER = -1;

  private final TtsApi tts;
  private final String id;
  private final TtsApi.Chat chat;
  private final Tokenizer tok;
  private final long created = System.currentTimeMillis() / 1000;
  private final long deadline;

  private ChatStream(TtsApi tts, String id, TtsApi.Chat chat) {
    this.tts = tts;
    this.id = id;
    this.chat = chat;
    this.tok = tts.tokenizer(chat.request().policy());
    this.deadline = System.nanoTime() + tts.timeout().toNanos();
  }

  /** The event stream of session {@code id}; {@code ended} runs once when the stream ends, however it ends. */
  static HttpResponse response(TtsApi tts, String id, TtsApi.Chat chat, Runnable ended) {
    Source<ByteString, NotUsed> events = new ChatStream(tts, id, chat).events()
        .watchTermination((notUsed, done) -> {
          done.whenComplete((d, e) -> ended.run());
          return notUsed;
        });
    return HttpResponse.create().withStatus(StatusCodes.OK).addHeader(RawHeader.create("Cache-Control", "no-cache"))
        .withEntity(HttpEntities.create(EVENT_STREAM, events));
  }

  private Source<ByteString, NotUsed> events() {
    Map<String, Object> role = new LinkedHashMap<>();
    role.put("role", "assistant");
    role.put("content", "");
    return Source.single(List.of(chunk(role, null, null)))
        .concat(Source.unfoldAsync(0, this::next))
        .mapConcat(data -> data)
        .map(data -> ByteString.fromString("data: " + data + "\n\n"));
  }

  /** The events after {@code sent} rounds, and how many rounds have been sent after them. */
  private CompletionStage<Optional<Pair<Integer, List<String>>>> next(int sent) {
    if (sent == OVER) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      return over(error(504, "TTS request " + id + " still runs after " + tts.timeout().toSeconds()
          + "s (perceval.tts.timeout); GET /tts/" + id + " has it when it ends"));
    }
    Duration wait = WATCH.compareTo(Duration.ofNanos(left)) < 0 ? WATCH : Duration.ofNanos(left);
    return tts.session(id).<TtsSession.Progress>ask(r -> new TtsSession.WatchRounds(sent, r), wait)
        .thenCompose(p -> p instanceof TtsSession.Rounds r ? rounds(sent, r) : ended(sent, ((TtsSession.Ended) p)
            .status()))
        .exceptionallyCompose(e -> unwrap(e) instanceof TimeoutException
            ? CompletableFuture.completedFuture(Optional.of(Pair.create(sent, List.of())))
            : over(error(503, "TTS request " + id + ": " + dev.perceval.actors.WorkerGroup.describe(unwrap(e)))));
  }

  private CompletionStage<Optional<Pair<Integer, List<String>>>> rounds(int sent, TtsSession.Rounds r) {
    if (r.from() > sent) {
      return CompletableFuture.completedFuture(Optional.of(Pair.create(sent, List.of())));
    }
    List<String> out = new ArrayList<>();
    for (int i = sent - r.from(); i < r.rounds().size(); i++) {
      out.add(round(r.from() + i, r.rounds().get(i)));
    }
    return CompletableFuture.completedFuture(Optional.of(Pair.create(Math.max(sent, r.from() + r.rounds().size()),
        out)));
  }

  private CompletionStage<Optional<Pair<Integer, List<String>>>> ended(int sent, TtsSession.Status s) {
    if (!s.state().equals("done")) {
      return over(error(500, "TTS request " + id + " " + s.state() + (s.error() != null ? ": " + s.error() : "")));
    }
    List<String> out = new ArrayList<>();
    List<Round> all = s.result().rounds();
    for (int i = sent; i < all.size(); i++) {
      out.add(round(i, all.get(i)));
    }
    out.add(chunk(Map.of("content", tok.decode(s.result().finalRound().response())), null, null));
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("id", id);
    summary.put("answer", s.result().answer());
    summary.put("chosen", s.result().chosen());
    summary.put("budget", OpenAiFormat.budget(s.result()));
    out.add(chunk(Map.of(), "stop", summary));
    if (chat.options().includeUsage()) {
      Map<String, Object> usage = OpenAiFormat.header(id, "chat.completion.chunk", chat.model());
      usage.put("created", created);
      usage.put("choices", List.of());
      usage.put("usage", OpenAiFormat.usage(s, tok));
      out.add(OpenAiErrors.json(usage));
    }
    out.add("[DONE]");
    return CompletableFuture.completedFuture(Optional.of(Pair.create(OVER, out)));
  }

  private String round(int index, Round round) {
    Map<String, Object> perceval = new LinkedHashMap<>();
    perceval.put("round", index);
    perceval.putAll(OpenAiFormat.round(round, tok));
    return chunk(Map.of("reasoning_content", OpenAiFormat.reasoningDelta(index, round, tok)), null, perceval);
  }

  private String chunk(Map<String, Object> delta, String finishReason, Map<String, Object> perceval) {
    Map<String, Object> choice = new LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("delta", delta);
    choice.put("finish_reason", finishReason);
    Map<String, Object> out = OpenAiFormat.header(id, "chat.completion.chunk", chat.model());
    out.put("created", created);
    out.put("choices", List.of(choice));
    if (perceval != null) {
      out.put("perceval", perceval);
    }
    return OpenAiErrors.json(out);
  }

  /** An OpenAI error event, which OpenAI clients raise as the APIError of that status. */
  private static String error(int status, String message) {
    return OpenAiErrors.json(OpenAiErrors.body(akka.http.javadsl.model.StatusCodes.get(status), message, null, null));
  }

  private static CompletionStage<Optional<Pair<Integer, List<String>>>> over(String error) {
    return CompletableFuture.completedFuture(Optional.of(Pair.create(OVER, List.of(error, "[DONE]"))));
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
