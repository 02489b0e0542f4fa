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
 * bad spec, 404 for an unknown id and 409 for an action that does not apply. With tokens
 * ({@link ApiTokens}) every route but {@code /healthz} needs a bearer token of its scope: read for
 * status, metrics and TTS, submit for campaigns and their control.
 */
public final class HttpApi extends AllDirectives {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final ActorRef<Coordinator.Command> coordinator;
  /** Under akka.http.server.request-timeout, so a late actor answers in the API's own 503. */
  private final Duration timeout = Duration.ofSeconds(20);
  private final Metrics metrics;
  private final TtsApi tts;
  private final ApiTokens tokens;
  /** A chat request holds a thread while its session runs: as many threads as requests allowed, no queue. */
  private final java.util.concurrent.ThreadPoolExecutor blocking;
  private ServerBinding binding;

  private HttpApi(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Config config,
      ApiTokens tokens) {
    this.system = system;
    this.tokens = tokens;
    this.coordinator = coordinator;
    this.tts = new TtsApi(system, config);
    this.metrics = new Metrics(system, coordinator);
    int threads = tts.maxConcurrentRequests();
    this.blocking = new java.util.concurrent.ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new java.util.concurrent.SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "perceval-tts-http");
          t.setDaemon(true);
          return t;
        });
    blocking.allowCoreThreadTimeOut(true);
    Duration idle = config.getDuration("akka.http.server.idle-timeout");
    if (idle.compareTo(chatTimeout()) <= 0) {
      throw new IllegalArgumentException("perceval.tts.timeout (" + tts.timeout() + ") plus 30s must be shorter than"
          + " akka.http.server.idle-timeout (" + idle + "), or a waiting chat request loses its connection");
    }
  }

  /** How long the server lets a chat request run: the TTS wait and time to answer. */
  private Duration chatTimeout() {
    return tts.timeout().plusSeconds(30);
  }

  static HttpApi start(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Config config,
      ApiTokens tokens) throws Exception {
    HttpApi api = new HttpApi(system, coordinator, config, tokens);
    String host = config.getString("perceval.http.interface");
    int port = config.getInt("perceval.http.port");
    var server = Http.get(system).newServerAt(host, port);
    if (Tls.enabled(config)) {
      server = server.enableHttps(akka.http.javadsl.ConnectionContext.httpsServer(Tls.serverContext(config)));
    }
    api.binding = server.bind(api.routes()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    system.log().info("{} API on {} ({})", Tls.enabled(config) ? "HTTPS" : "HTTP", api.binding.localAddress(),
        tokens.required()
        ? "bearer tokens required" : "no authentication");
    if (!tokens.required() && !ApiTokens.isLoopback(host)) {
      system.log().warn("the HTTP API binds {} without authentication (--insecure): anyone who reaches it can start"
          + " campaigns and run models", host);
    }
    return api;
  }

  int port() {
    return binding.localAddress().getPort();
  }

  void stop() {
    binding.unbind().toCompletableFuture().join();
    blocking.shutdownNow();
  }

  Route routes() {
    return handleExceptions(errors(), () -> handleRejections(JSON_REJECTIONS, () -> concat(
        pathPrefix("campaigns", () -> concat(
            pathEndOrSingleSlash(() -> post(() -> authorized(ApiTokens.Scope.SUBMIT, () -> entity(
                akka.http.javadsl.unmarshalling.Unmarshaller.entityToString(), this::submit)))),
            pathPrefix(PathMatchers.segment(), id -> concat(
                pathEnd(() -> get(() -> authorized(ApiTokens.Scope.READ, () -> completeWithFuture(status(id))))),
                path(PathMatchers.segment(), action -> post(() -> authorized(ApiTokens.Scope.SUBMIT,
                    () -> completeWithFuture(control(id, action))))))))),
        path(PathMatchers.segment("v1").slash("chat").slash("completions"), () -> post(() -> authorized(
            ApiTokens.Scope.READ, () -> withRequestTimeout(scala.concurrent.duration.Duration.fromNanos(chatTimeout().toNanos()), () -> entity(
                akka.http.javadsl.unmarshalling.Unmarshaller.entityToString(), this::chatRoute))))),
        pathPrefix("tts", () -> path(PathMatchers.segment(), id -> get(() -> authorized(ApiTokens.Scope.READ,
            () -> !TtsApi.isId(id) ? complete(json(StatusCodes.NOT_FOUND, Map.of("error", "no TTS request '"
                + abbreviated(id) + "'")))
                : completeWithFuture(tts.session(id).<TtsSession.Status>ask(TtsSession.Get::new, timeout)
                    .thenApply(s -> s.state().equals("none")
                        ? json(StatusCodes.NOT_FOUND, Map.of("error", "no TTS request '" + id + "'"))
                        : json(StatusCodes.OK, tts.view(id, s)))))))),
        path("metrics", () -> get(() -> authorized(ApiTokens.Scope.READ, () -> completeWithFuture(metrics.scrape())))),
        path("healthz", () -> get(() -> complete(StatusCodes.OK, "ok"))))));
  }

  /**
   * A request whose actor did not answer in time is a 503 to retry (the coordinator restarts
   * after a journal failure, or moves to another node); anything else is a 500 in the API's JSON,
   * its cause in the node's log rather than in the answer.
   */
  private akka.http.javadsl.server.ExceptionHandler errors() {
    return akka.http.javadsl.server.ExceptionHandler.newBuilder().match(Throwable.class, e -> {
      Throwable cause = e;
      while ((cause instanceof java.util.concurrent.CompletionException
          || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof java.util.concurrent.TimeoutException) {
        return complete(json(StatusCodes.SERVICE_UNAVAILABLE, Map.of("error", "the node's actors did not answer within "
            + timeout.toSeconds() + " s (the coordinator may be restarting after a journal failure or moving to"
            + " another node); retry later")).addHeader(akka.http.javadsl.model.headers.RawHeader.create("Retry-After", "5")));
      }
      system.log().error("HTTP request failed", cause);
      return complete(json(StatusCodes.INTERNAL_SERVER_ERROR, Map.of("error", "internal error (see the node's log)")));
    }).build();
  }

  /**
   * The route when the request's bearer token allows {@code scope}; else 401 (no token, or one
   * this node does not know) with a {@code WWW-Authenticate} challenge, or 403 (a known token
   * without the scope).
   */
  private Route authorized(ApiTokens.Scope scope, java.util.function.Supplier<Route> route) {
    return optionalHeaderValueByName("Authorization", header -> switch (tokens.check(header.orElse(null), scope)) {
      case ALLOWED -> route.get();
      case NO_TOKEN -> complete(unauthorized("this API needs a bearer token (Authorization: Bearer TOKEN)"));
      case WRONG_TOKEN -> complete(unauthorized("the bearer token is not one of this node's tokens"));
      case OUT_OF_SCOPE -> complete(json(StatusCodes.FORBIDDEN, Map.of("error", "the token lacks the '"
          + scope.name().toLowerCase(java.util.Locale.ROOT) + "' scope this request needs")));
    });
  }

  private static HttpResponse unauthorized(String message) {
    return json(StatusCodes.UNAUTHORIZED, Map.of("error", message))
        .addHeader(akka.http.javadsl.model.headers.RawHeader.create("WWW-Authenticate", "Bearer realm=\"perceval\""));
  }

  /** akka-http's own answers (404, 405, 413, 415, ...) with their reason as this API's JSON error. */
  private static final akka.http.javadsl.server.RejectionHandler JSON_REJECTIONS =
      akka.http.javadsl.server.RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
        if (response.entity() instanceof akka.http.javadsl.model.HttpEntity.Strict strict
            && !strict.getContentType().equals(ContentTypes.APPLICATION_JSON)) {
          String reason = strict.getData().utf8String();
          return json(response.status(), Map.of("error", reason)).addHeaders(response.getHeaders());
        }
        return response;
      });

  private Route chatRoute(String body) {
    java.util.concurrent.CompletableFuture<HttpResponse> reply;
    try {
      reply = java.util.concurrent.CompletableFuture.supplyAsync(() -> chat(body), blocking);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return complete(openAiError(StatusCodes.TOO_MANY_REQUESTS, "this node is serving "
          + tts.maxConcurrentRequests() + " chat requests (perceval.tts.max-concurrent-requests); retry later",
          "rate_limit_error").addHeader(akka.http.javadsl.model.headers.RawHeader.create("Retry-After", "5")));
    }
    return completeWithFuture(reply);
  }

  private static String abbreviated(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
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
      if (s.state().equals("running")) {
        return openAiError(StatusCodes.GATEWAY_TIMEOUT, "TTS request " + id + " still runs after "
            + tts.timeout().toSeconds() + "s (perceval.tts.timeout); GET /tts/" + id + " has it when it ends", "timeout");
      }
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
