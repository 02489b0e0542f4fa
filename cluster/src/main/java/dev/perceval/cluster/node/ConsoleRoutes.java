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
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
  /** A history line longer than this is not a row the node wrote; it is skipped, not read whole. */
  private static final int MAX_LINE = 64 * 1024;
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
    out.put("steps", dir == null ? Table.empty(STEP_COLUMNS) : read(dir.resolve("metrics.csv"), STEP_COLUMNS, rows));
    out.put("evals", dir == null ? Table.empty(EVAL_COLUMNS) : read(dir.resolve("eval.csv"), EVAL_COLUMNS, rows));
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

  /** Columns of a history: {@code step} and the named metrics, null where a row has no number. */
  record Table(Map<String, List<Double>> columns, boolean truncated) {
    static Map<String, Object> empty(List<String> names) {
      return new Table(columnsFor(names), false).json();
    }

    static Map<String, List<Double>> columnsFor(List<String> names) {
      Map<String, List<Double>> columns = new LinkedHashMap<>();
      columns.put("step", new ArrayList<>());
      names.forEach(n -> columns.put(n, new ArrayList<>()));
      return columns;
    }

    Map<String, Object> json() {
      Map<String, Object> out = new LinkedHashMap<>(columns);
      out.put("truncated", truncated);
      return out;
    }
  }

  /**
   * The last {@code rows} rows of a CSV that {@code MetricsLog} wrote, in the named columns; a
   * missing or unreadable file is an empty table, since a campaign that has not run a step has none.
   */
  static Map<String, Object> read(Path csv, List<String> names, int rows) {
    Map<String, List<Double>> columns = Table.columnsFor(names);
    if (!Files.isRegularFile(csv)) {
      return new Table(columns, false).json();
    }
    ArrayDeque<String[]> last = new ArrayDeque<>();
    boolean truncated = false;
    int[] at = new int[names.size()];
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      String header = boundedLine(in);
      if (header == null) {
        return new Table(columns, false).json();
      }
      List<String> fields = List.of(header.split(",", -1));
      for (int i = 0; i < names.size(); i++) {
        at[i] = fields.indexOf(names.get(i));
      }
      for (String line = boundedLine(in); line != null; line = boundedLine(in)) {
        if (!line.isEmpty()) {
          last.addLast(line.split(",", -1));
          if (last.size() > rows) {
            last.removeFirst();
            truncated = true;
          }
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      return new Table(Table.columnsFor(names), false).json();
    }
    for (String[] row : last) {
      Double step = number(row, 0);
      if (step == null) {
        continue;
      }
      columns.get("step").add(step);
      for (int i = 0; i < names.size(); i++) {
        columns.get(names.get(i)).add(number(row, at[i]));
      }
    }
    return new Table(columns, truncated).json();
  }

  /** The next line, or "" for one over {@link #MAX_LINE} characters (skipped to its end), or null at the end. */
  private static String boundedLine(BufferedReader in) throws IOException {
    StringBuilder line = new StringBuilder();
    boolean tooLong = false;
    for (int ch = in.read(); ; ch = in.read()) {
      if (ch == -1) {
        return line.isEmpty() && !tooLong ? null : tooLong ? "" : line.toString();
      }
      if (ch == '\n') {
        return tooLong ? "" : line.toString();
      }
      if (!tooLong && ch != '\r') {
        line.append((char) ch);
        tooLong = line.length() > MAX_LINE;
      }
    }
  }

  private static Double number(String[] row, int column) {
    if (column < 0 || column >= row.length || row[column].isBlank()) {
      return null;
    }
    try {
      double v = Double.parseDouble(row[column].strip());
      return Double.isFinite(v) ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String abbreviated(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }
}
