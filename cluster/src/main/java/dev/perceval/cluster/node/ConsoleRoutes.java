package dev.perceval.cluster.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.actors.CampaignState;
import dev.perceval.actors.Coordinator;
import dev.perceval.policy.io.DataRoot;
import dev.perceval.policy.io.MetricsLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The web console: its static pages under {@code /console/} and what they read beyond the
 * campaign API, {@code GET /campaigns} (every campaign's status) and {@code GET
 * /campaigns/{id}/history} (the per-step curves from the campaign's {@code metrics.csv} and
 * {@code eval.csv}; the coordinator journals only a campaign's latest metrics).
 *
 * <p>The pages are served without a token: they hold no data, and a browser cannot send a header
 * when it navigates. Their script sends the token the user gives it on every API call, so the
 * data stays behind the same scopes as the API's.
 */
final class ConsoleRoutes extends AllDirectives {
  /** The most rows of a history a request may ask for, and what it gets by default. */
  static final int MAX_ROWS = 2000;
  static final List<String> STEP_COLUMNS = List.of("reward/mean", "perceval/flagged_rate", "timing_s/step");
  static final List<String> EVAL_COLUMNS = List.of("eval/accuracy");
  /** uPlot's files in its WebJar; the version is the one the parent pom pins. */
  private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final ActorRef<Coordinator.Command> coordinator;
  private final DataRoot root;
  private final Duration timeout;

  ConsoleRoutes(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, DataRoot root, Duration timeout) {
    this.system = system;
    this.coordinator = coordinator;
    this.root = root;
    this.timeout = timeout;
  }

  /** The static pages; only files of the jar's {@code console/} folder and uPlot's two files. */
  Route pages() {
    return get(() -> respondWithHeaders(List.of(
        RawHeader.create("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:;"
            + " style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
        RawHeader.create("X-Content-Type-Options", "nosniff")), () -> concat(
        pathEnd(() -> redirect(akka.http.javadsl.model.Uri.create("/console/"), StatusCodes.MOVED_PERMANENTLY)),
        pathSingleSlash(() -> getFromResource("console/index.html")),
        path(akka.http.javadsl.server.PathMatchers.segment("lib").slash("uPlot.min.js"),
            () -> getFromResource(UPLOT + "uPlot.iife.min.js")),
        path(akka.http.javadsl.server.PathMatchers.segment("lib").slash("uPlot.min.css"),
            () -> getFromResource(UPLOT + "uPlot.min.css")),
        getFromResourceDirectory("console"))));
  }

  /** Every campaign the coordinator knows, in submission order. */
  CompletionStage<HttpResponse> list() {
    return AskPattern.<Coordinator.Command, Coordinator.CampaignList>ask(coordinator, Coordinator.ListCampaigns::new,
            timeout, system.scheduler())
        .thenApply(l -> HttpApi.json(StatusCodes.OK, Map.of("campaigns", l.campaigns().stream()
            .map(c -> HttpApi.view(c, null)).toList())));
  }

  /** The last {@code rows} steps of campaign {@code id}'s curves; {@code rows} is 1 to {@link #MAX_ROWS}. */
  CompletionStage<HttpResponse> history(String id, Optional<String> rowsParam) {
    int rows;
    try {
      rows = rowsParam.map(String::strip).map(Integer::parseInt).orElse(MAX_ROWS);
    } catch (NumberFormatException e) {
      rows = -1;
    }
    if (rows < 1 || rows > MAX_ROWS) {
      return CompletableFuture.completedFuture(HttpApi.json(StatusCodes.BAD_REQUEST, Map.of("error",
          "rows must be a whole number from 1 to " + MAX_ROWS)));
    }
    int limit = rows;
    return AskPattern.<Coordinator.Command, Coordinator.StatusReply>ask(coordinator,
            replyTo -> new Coordinator.GetStatus(id, replyTo), timeout, system.scheduler())
        .thenApplyAsync(s -> s.campaign() == null
            ? HttpApi.json(StatusCodes.NOT_FOUND, Map.of("error", "no campaign '" + abbreviated(id) + "'"))
            : HttpApi.json(StatusCodes.OK, history(s.campaign(), limit)),
            system.dispatchers().lookup(akka.actor.typed.DispatcherSelector.blocking()));
  }

  private Map<String, Object> history(CampaignState.Campaign c, int rows) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", c.id());
    out.put("status", c.status() == null ? null : c.status().name().toLowerCase(java.util.Locale.ROOT));
    out.put("step", c.step());
    Path dir = outDir(c);
    out.put("steps", json(dir == null ? MetricsLog.Tail.empty(STEP_COLUMNS)
        : MetricsLog.tail(dir.resolve("metrics.csv"), STEP_COLUMNS, rows)));
    out.put("evals", json(dir == null ? MetricsLog.Tail.empty(EVAL_COLUMNS)
        : MetricsLog.tail(dir.resolve("eval.csv"), EVAL_COLUMNS, rows)));
    return out;
  }

  /** The campaign's out directory, or null when its spec names none under the data root. */
  private Path outDir(CampaignState.Campaign c) {
    try {
      String out = JSON.readTree(c.spec()).path("out").asText("");
      return out.isBlank() ? null : Path.of(root.resolve("out", out));
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  /** The last {@code rows} rows of a metrics file as the history's JSON. */
  static Map<String, Object> read(Path csv, List<String> names, int rows) {
    return json(MetricsLog.tail(csv, names, rows));
  }

  /** A history's columns: {@code step}, the named metrics, and whether rows were left off. */
  private static Map<String, Object> json(MetricsLog.Tail tail) {
    Map<String, Object> out = new LinkedHashMap<>(tail.columns());
    out.put("truncated", tail.truncated());
    return out;
  }

  private static String abbreviated(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }
}
