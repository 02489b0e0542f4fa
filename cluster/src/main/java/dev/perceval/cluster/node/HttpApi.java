package dev.perceval.cluster.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.perceval.actors.CampaignState;
import dev.perceval.actors.Coordinator;
import dev.perceval.actors.TtsSession;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The campaign API on a coordinator node: {@code POST /campaigns} (a HOCON or JSON spec),
 * {@code GET /campaigns/{id}}, {@code POST /campaigns/{id}/pause|resume|cancel} and
 * {@code GET /metrics} (Prometheus text). Errors are JSON {@code {"error": "..."}} with 400 for a
 * bad spec, 404 for an unknown id and 409 for an action that does not apply.
 */
public final class HttpApi extends AllDirectives {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final ActorRef<Coordinator.Command> coordinator;
  private final Duration timeout = Duration.ofSeconds(30);
  private final Metrics metrics;
  private final TtsApi tts;
  private final java.util.concurrent.ExecutorService blocking = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "perceval-tts-http");
    t.setDaemon(true);
    return t;
  });
  private ServerBinding binding;

  private HttpApi(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Config config) {
    this.system = system;
    this.coordinator = coordinator;
    this.tts = new TtsApi(system, config);
    this.metrics = new Metrics(system, coordinator);
  }

  static HttpApi start(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Config config)
      throws Exception {
    HttpApi api = new HttpApi(system, coordinator, config);
    String host = config.getString("perceval.http.interface");
    int port = config.getInt("perceval.http.port");
    api.binding = Http.get(system).newServerAt(host, port).bind(api.routes())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    system.log().info("HTTP API on {}", api.binding.localAddress());
    return api;
  }

  int port() {
    return binding.localAddress().getPort();
  }

  void stop() {
    binding.unbind().toCompletableFuture().join();
  }

  Route routes() {
    return concat(
        pathPrefix("campaigns", () -> concat(
            pathEndOrSingleSlash(() -> post(() -> entity(akka.http.javadsl.unmarshalling.Unmarshaller.entityToString(),
                this::submit))),
            pathPrefix(PathMatchers.segment(), id -> concat(
                pathEnd(() -> get(() -> completeWithFuture(status(id)))),
                path(PathMatchers.segment(), action -> post(() -> completeWithFuture(control(id, action)))))))),
        path(PathMatchers.segment("v1").slash("chat").slash("completions"), () -> post(() -> entity(
            akka.http.javadsl.unmarshalling.Unmarshaller.entityToString(), body -> completeWithFuture(
                java.util.concurrent.CompletableFuture.supplyAsync(() -> chat(body), blocking))))),
        pathPrefix("tts", () -> path(PathMatchers.segment(), id -> get(() -> completeWithFuture(
            tts.session(id).<TtsSession.Status>ask(TtsSession.Get::new, timeout).thenApply(s -> s.state().equals("none")
                ? json(StatusCodes.NOT_FOUND, Map.of("error", "no TTS request '" + id + "'"))
                : json(StatusCodes.OK, tts.view(id, s))))))),
        path("metrics", () -> get(() -> completeWithFuture(metrics.scrape()))),
        path("healthz", () -> get(() -> complete(StatusCodes.OK, "ok"))));
  }

  private HttpResponse chat(String body) {
    TtsSession.Request request;
    try {
      request = tts.parse(body);
    } catch (TtsApi.BadRequest e) {
      return openAiError(StatusCodes.BAD_REQUEST, e.getMessage(), "invalid_request_error");
    }
    String id = TtsApi.newId();
    try {
      tts.session(id).<TtsSession.Status>ask(r -> new TtsSession.Start(request, r), timeout).toCompletableFuture().get();
      TtsSession.Status s = tts.await(id);
      if (!s.state().equals("done")) {
        return openAiError(StatusCodes.INTERNAL_SERVER_ERROR, "TTS request " + id + " " + s.state()
            + (s.error() != null ? ": " + s.error() : ""), "server_error");
      }
      return json(StatusCodes.OK, tts.completion(id, s));
    } catch (Exception e) {
      return openAiError(StatusCodes.SERVICE_UNAVAILABLE, "TTS request " + id + ": "
          + dev.perceval.actors.WorkerGroup.describe(e), "server_error");
    }
  }

  private Route submit(String body) {
    if (body.isBlank()) {
      return complete(json(StatusCodes.BAD_REQUEST, Map.of("error", "empty request body: send a campaign spec")));
    }
    CompletionStage<HttpResponse> r = AskPattern.<Coordinator.Command, Coordinator.Accepted>ask(coordinator,
            replyTo -> new Coordinator.Submit(body, replyTo), timeout, system.scheduler())
        .thenApply(a -> a.error() != null
            ? json(StatusCodes.BAD_REQUEST, Map.of("error", a.error()))
            : json(StatusCodes.CREATED, Map.of("id", a.id())));
    return completeWithFuture(r);
  }

  private CompletionStage<HttpResponse> status(String id) {
    return AskPattern.<Coordinator.Command, Coordinator.StatusReply>ask(coordinator,
            replyTo -> new Coordinator.GetStatus(id, replyTo), timeout, system.scheduler())
        .thenApply(s -> s.campaign() == null
            ? json(StatusCodes.NOT_FOUND, Map.of("error", "no campaign '" + id + "'"))
            : json(StatusCodes.OK, view(s.campaign(), s.phase())));
  }

  private CompletionStage<HttpResponse> control(String id, String action) {
    Coordinator.Action a;
    try {
      a = Coordinator.Action.valueOf(action.toUpperCase());
    } catch (IllegalArgumentException e) {
      return java.util.concurrent.CompletableFuture.completedFuture(json(StatusCodes.NOT_FOUND,
          Map.of("error", "unknown action '" + action + "' (pause, resume or cancel)")));
    }
    return AskPattern.<Coordinator.Command, Coordinator.ControlReply>ask(coordinator,
            replyTo -> new Coordinator.Control(id, a, replyTo), timeout, system.scheduler())
        .thenApply(c -> !c.found() ? json(StatusCodes.NOT_FOUND, Map.of("error", c.error()))
            : c.error() != null ? json(StatusCodes.CONFLICT, Map.of("error", c.error(), "status", name(c.status())))
            : json(StatusCodes.OK, Map.of("id", id, "status", name(c.status()))));
  }

  static Map<String, Object> view(CampaignState.Campaign c, String phase) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", c.id());
    v.put("status", name(c.status()));
    v.put("step", c.step());
    try {
      v.put("steps", JSON.readTree(c.spec()).path("steps").asLong());
    } catch (java.io.IOException e) {
      v.put("steps", null);
    }
    if (phase != null) {
      v.put("phase", phase);
    }
    v.put("metrics", c.metrics());
    v.put("checkpoint", c.checkpoint());
    if (c.error() != null) {
      v.put("error", c.error());
    }
    return v;
  }

  private static String name(CampaignState.Status s) {
    return s == null ? null : s.name().toLowerCase();
  }

  /** An error in the OpenAI shape the chat-completions clients parse: {"error": {"message", "type"}}. */
  private static HttpResponse openAiError(StatusCode code, String message, String type) {
    return json(code, Map.of("error", Map.of("message", message, "type", type)));
  }

  private static HttpResponse json(StatusCode code, Object body) {
    try {
      return HttpResponse.create().withStatus(code)
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(body)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
