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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The campaign API on a coordinator node: {@code POST /campaigns} (a HOCON or JSON spec),
 * {@code GET /campaigns/{id}}, {@code POST /campaigns/{id}/pause|resume|cancel} and
 * {@code GET /metrics} (Prometheus text), and the web console ({@link ConsoleRoutes}). Errors are JSON {@code {"error": "..."}} with 400 for a
 * bad spec, 404 for an unknown id and 409 for an action that does not apply. The OpenAI-compatible
 * routes, {@code POST /v1/chat/completions} ({@link TtsApi}, streamed by {@link ChatStream}) and
 * {@code GET /v1/models} ({@link PolicyCatalog}), answer every error in OpenAI's shape
 * ({@link OpenAiErrors}). With tokens ({@link ApiTokens}) every route but {@code /healthz} needs a
 * bearer token of its scope: read for status, history, metrics, models and TTS, submit for campaigns
 * and their control. The console's static pages hold no data and need none.
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
  private final ConsoleRoutes console;
  /**
   * Chat requests served at once, streamed or not; more are answered 429. One that does not stream
   * holds a thread of {@code blocking} while its session runs, so there are as many threads.
   */
  private final Semaphore chats;
  private final java.util.concurrent.ThreadPoolExecutor blocking;
  private ServerBinding binding;

  private HttpApi(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Config config,
      ApiTokens tokens) {
    this.system = system;
    this.tokens = tokens;
    this.coordinator = coordinator;
    this.tts = new TtsApi(system, config);
    this.metrics = new Metrics(system, coordinator);
    this.console = new ConsoleRoutes(system, coordinator, NodeConfig.dataRoot(config), timeout);
    int threads = tts.maxConcurrentRequests();
    this.chats = new Semaphore(threads);
    this.blocking = new java.util.concurrent.ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
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
    try {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // The system's termination closes the port in any case; stop must not wait on it.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    blocking.shutdownNow();
  }

  Route routes() {
    return handleExceptions(errors(PLAIN), () -> handleRejections(JSON_REJECTIONS, () -> concat(
        pathPrefix("campaigns", () -> concat(
            pathEndOrSingleSlash(() -> concat(
                post(() -> authorized(ApiTokens.Scope.SUBMIT, PLAIN, () -> entity(
                    akka.http.javadsl.unmarshalling.Unmarshaller.entityToString(), this::submit))),
                get(() -> authorized(ApiTokens.Scope.READ, PLAIN, () -> completeWithFuture(console.list()))))),
            pathPrefix(PathMatchers.segment(), id -> concat(
                pathEnd(() -> get(() -> authorized(ApiTokens.Scope.READ, PLAIN, () -> completeWithFuture(status(id))))),
                path("history", () -> get(() -> authorized(ApiTokens.Scope.READ, PLAIN,
                    () -> parameterOptional("rows", rows -> completeWithFuture(console.history(id, rows)))))),
                path(PathMatchers.segment(), action -> post(() -> authorized(ApiTokens.Scope.SUBMIT, PLAIN,
                    () -> completeWithFuture(control(id, action))))))))),
        pathPrefix("v1", this::openAiRoutes),
        pathPrefix("console", console::pages),
        pathPrefix("tts", () -> path(PathMatchers.segment(), id -> get(() -> authorized(ApiTokens.Scope.READ, PLAIN,
            () -> !TtsApi.isId(id) ? complete(json(StatusCodes.NOT_FOUND, Map.of("error", "no TTS request '"
                + abbreviated(id) + "'")))
                : completeWithFuture(tts.session(id).<TtsSession.Status>ask(TtsSession.Get::new, timeout)
                    .thenApply(s -> s.state().equals("none")
                        ? json(StatusCodes.NOT_FOUND, Map.of("error", "no TTS request '" + id + "'"))
                        : json(StatusCodes.OK, OpenAiFormat.view(id, s, tts.tokenizer(s.request().policy()))))))))),
        path("metrics", () -> get(() -> authorized(ApiTokens.Scope.READ, PLAIN,
            () -> completeWithFuture(metrics.scrape())))),
        path("healthz", () -> get(() -> complete(StatusCodes.OK, "ok"))))));
  }

  /** The OpenAI-compatible routes, whose every error, akka-http's own included, is in OpenAI's shape. */
  private Route openAiRoutes() {
    return handleExceptions(errors(OPENAI), () -> handleRejections(OpenAiErrors.REJECTIONS, () -> concat(
        path(PathMatchers.segment("chat").slash("completions"), () -> post(() -> authorized(ApiTokens.Scope.READ,
            OPENAI, () -> withRequestTimeout(scala.concurrent.duration.Duration.fromNanos(chatTimeout().toNanos()),
                request -> OPENAI.of(StatusCodes.SERVICE_UNAVAILABLE, "the node did not answer within "
                    + chatTimeout().toSeconds() + " s; retry later", null),
                () -> entity(akka.http.javadsl.unmarshalling.Unmarshaller.entityToString(), this::chatRoute))))),
        pathPrefix("models", () -> get(() -> authorized(ApiTokens.Scope.READ, OPENAI, () -> concat(
            pathEndOrSingleSlash(() -> completeWithFuture(models(null))),
            path(PathMatchers.remaining(), id -> completeWithFuture(models(id))))))))));
  }

  /**
   * The policies this node can serve, or the one called {@code id}; the data root is walked off
   * the HTTP threads.
   */
  private CompletionStage<HttpResponse> models(String id) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      List<PolicyCatalog.Model> all = tts.catalog().list();
      if (id == null) {
        return json(StatusCodes.OK, Map.of("object", "list", "data", all.stream().map(PolicyCatalog.Model::json)
            .toList()));
      }
      return all.stream().filter(m -> m.id().equals(id)).findFirst()
          .map(m -> json(StatusCodes.OK, m.json()))
          .orElseGet(() -> OpenAiErrors.Refusal.modelNotFound("no model '" + abbreviated(id) + "' on this node"
              + " (GET /v1/models lists them)").response());
    }, system.dispatchers().lookup(akka.actor.typed.DispatcherSelector.blocking()));
  }

  /** How a family of routes words an error: the campaign API's {"error": "..."}, or OpenAI's error object. */
  private interface ErrorShape {
    HttpResponse of(StatusCode status, String message, String code);
  }

  private static final ErrorShape PLAIN = (status, message, code) -> json(status, Map.of("error", message));
  private static final ErrorShape OPENAI = (status, message, code) -> OpenAiErrors.response(status, message, null,
      code);

  /**
   * A request whose actor did not answer in time is a 503 to retry (the coordinator restarts
   * after a journal failure, or moves to another node); anything else is a 500 in the API's JSON,
   * its cause in the node's log rather than in the answer.
   */
  private akka.http.javadsl.server.ExceptionHandler errors(ErrorShape shape) {
    return akka.http.javadsl.server.ExceptionHandler.newBuilder().match(Throwable.class, e -> {
      Throwable cause = e;
      while ((cause instanceof java.util.concurrent.CompletionException
          || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof java.util.concurrent.TimeoutException) {
        return complete(shape.of(StatusCodes.SERVICE_UNAVAILABLE, "the node's actors did not answer within "
            + timeout.toSeconds() + " s (the coordinator may be restarting after a journal failure or moving to"
            + " another node); retry later", null).addHeader(retryAfter()));
      }
      system.log().error("HTTP request failed", cause);
      return complete(shape.of(StatusCodes.INTERNAL_SERVER_ERROR, "internal error (see the node's log)", null));
    }).build();
  }

  private static akka.http.javadsl.model.HttpHeader retryAfter() {
    return akka.http.javadsl.model.headers.RawHeader.create("Retry-After", "5");
  }

  /**
   * The route when the request's bearer token allows {@code scope}; else 401 (no token, or one
   * this node does not know) with a {@code WWW-Authenticate} challenge, or 403 (a known token
   * without the scope).
   */
  private Route authorized(ApiTokens.Scope scope, ErrorShape shape, java.util.function.Supplier<Route> route) {
    return optionalHeaderValueByName("Authorization", header -> switch (tokens.check(header.orElse(null), scope)) {
      case ALLOWED -> route.get();
      case NO_TOKEN -> complete(unauthorized(shape, "this API needs a bearer token (Authorization: Bearer TOKEN)"));
      case WRONG_TOKEN -> complete(unauthorized(shape, "the bearer token is not one of this node's tokens"));
      case OUT_OF_SCOPE -> complete(shape.of(StatusCodes.FORBIDDEN, "the token lacks the '"
          + scope.name().toLowerCase(java.util.Locale.ROOT) + "' scope this request needs", "insufficient_scope"));
    });
  }

  private static HttpResponse unauthorized(ErrorShape shape, String message) {
    return shape.of(StatusCodes.UNAUTHORIZED, message, "invalid_api_key")
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
    HttpResponse busy = OPENAI.of(StatusCodes.TOO_MANY_REQUESTS, "this node is serving "
        + tts.maxConcurrentRequests() + " chat requests (perceval.tts.max-concurrent-requests); retry later",
        "rate_limit_exceeded").addHeader(retryAfter());
    if (!chats.tryAcquire()) {
      return complete(busy);
    }
    java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
    Runnable release = () -> {
      if (held.getAndSet(false)) {
        chats.release();
      }
    };
    try {
      return completeWithFuture(java.util.concurrent.CompletableFuture.supplyAsync(() -> chat(body, release), blocking));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      release.run();
      return complete(busy);
    }
  }

  private static String abbreviated(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }

  /**
   * A chat request, on a thread of {@code blocking}: refused, answered once its session ends, or
   * streamed as the session goes. {@code release} gives its place back when the answer is complete,
   * which for a stream is when the stream ends, or at the latest after the chat timeout.
   */
  private HttpResponse chat(String body, Runnable release) {
    boolean streaming = false;
    try {
      TtsApi.Chat chat = tts.parse(body);
      String id = TtsApi.newId();
      try {
        tts.session(id).<TtsSession.Status>ask(r -> new TtsSession.Start(chat.request(), r), timeout)
            .toCompletableFuture().get();
        if (chat.options().stream()) {
          HttpResponse events = ChatStream.response(tts, id, chat, release);
          streaming = true;
          // An answer whose stream never starts (its client left first) must still give its place back.
          system.scheduler().scheduleOnce(chatTimeout(), release, system.executionContext());
          return events;
        }
        TtsSession.Status s = tts.await(id);
        if (s.state().equals("running")) {
          return OPENAI.of(StatusCodes.GATEWAY_TIMEOUT, "TTS request " + id + " still runs after "
              + tts.timeout().toSeconds() + "s (perceval.tts.timeout); GET /tts/" + id + " has it when it ends", null);
        }
        if (!s.state().equals("done")) {
          return OPENAI.of(StatusCodes.INTERNAL_SERVER_ERROR, "TTS request " + id + " " + s.state()
              + (s.error() != null ? ": " + s.error() : ""), null);
        }
        return json(StatusCodes.OK, OpenAiFormat.completion(id, chat.model(), s, tts.tokenizer(chat.request().policy())));
      } catch (Exception e) {
        return OPENAI.of(StatusCodes.SERVICE_UNAVAILABLE, "TTS request " + id + ": "
            + dev.perceval.actors.WorkerGroup.describe(e), null);
      }
    } catch (OpenAiErrors.Refusal e) {
      return e.response();
    } finally {
      if (!streaming) {
        release.run();
      }
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

  static HttpResponse json(StatusCode code, Object body) {
    try {
      return HttpResponse.create().withStatus(code)
          .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, JSON.writeValueAsString(body)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
