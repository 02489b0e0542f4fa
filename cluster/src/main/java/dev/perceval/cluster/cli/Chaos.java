package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.perceval.policy.io.Checkpoint;
import dev.perceval.policy.io.ModelCheckpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fault scenarios with real node JVMs on 127.0.0.1: start the nodes, submit a campaign, kill a
 * chosen process with SIGKILL mid-step (and start a replacement where the scenario says), and
 * check the outcome against the same campaign run uninterrupted in-process: it completes, each
 * step is journaled once, and the final weights have the same sha-256.
 */
final class Chaos {
  /** Every scenario, in the order {@code chaos --scenario all} runs them. */
  static final List<String> SCENARIOS = List.of("sampler-of-two", "sampler-replaced", "verifier", "learner",
      "learner-checkpoint", "coordinator", "all-nodes");
  static final int STEPS = 12;
  private static final String[] QUIET = {"--threads", "1"};

  /**
   * @param killedAfter the last step journaled before the kill
   * @param recoverySeconds from the kill until the next step was journaled
   * @param stepsJournaled StepCompleted events in the journal (each step once: {@link #STEPS})
   */
  record Result(String scenario, String fault, long killedAfter, double recoverySeconds, boolean completed,
      long stepsJournaled, boolean sameWeights, String note) {
    boolean passed() {
      return completed && stepsJournaled == STEPS && sameWeights;
    }
  }

  private final Path dir;
  private final String postgresAdminUrl;

  /** @param postgresAdminUrl a database the scenarios that share a journal between nodes may create others from */
  Chaos(Path dir, String postgresAdminUrl) {
    this.dir = dir.toAbsolutePath();
    this.postgresAdminUrl = postgresAdminUrl;
  }

  Result run(String scenario) throws Exception {
    if (!SCENARIOS.contains(scenario)) {
      throw new IllegalArgumentException("unknown scenario '" + scenario + "'; one of " + SCENARIOS);
    }
    Path work = dir.resolve(scenario);
    Checkpoint.deleteTree(work);
    Files.createDirectories(work);
    String spec = uninterrupted(work);
    String campaign = spec + ", out = \"" + work.resolve("cluster") + "\"";
    Path journalConf = scenario.equals("coordinator") ? postgresJournal(work) : null;
    String journalUrl = journalConf != null ? postgresUrl("perceval_chaos")
        : "jdbc:h2:file:" + work.resolve("nodes/coordinator/journal");
    String user = journalConf != null ? "postgres" : "perceval";
    int seed = freePort();
    int http = freePort();
    Result r;
    try (LocalCluster nodes = new LocalCluster(work.resolve("nodes"), seed,
        List.of("-Xmx1g", "-Dperceval.node.data-root=" + work.toAbsolutePath()))) {
      r = scenario(scenario, nodes, seed, http, campaign, journalConf, work);
    } catch (IllegalStateException e) {
      // A campaign that failed or stalled, or a node that would not start: a failed row, not a crash.
      return new Result(scenario, "", -1, Double.NaN, false, 0, false, e.getMessage());
    }
    long journaled = journaledSteps(journalUrl, user);
    String weights = "checkpoints/step-" + STEPS + "/" + ModelCheckpoint.WEIGHTS;
    Path got = work.resolve("cluster").resolve(weights);
    boolean same = Files.exists(got) && Checkpoint.sha256(work.resolve("local").resolve(weights)).equals(Checkpoint.sha256(got))
        && Files.readAllLines(work.resolve("local/eval.csv")).equals(Files.readAllLines(work.resolve("cluster/eval.csv")))
        && Files.readAllLines(work.resolve("cluster/metrics.csv")).size() == STEPS + 1;
    return new Result(scenario, r.fault(), r.killedAfter(), r.recoverySeconds(), r.completed(), journaled, same,
        r.note());
  }

  private Result scenario(String scenario, LocalCluster nodes, int seed, int http, String campaign, Path journalConf,
      Path work) throws Exception {
    String[] conf = journalConf == null ? new String[0] : new String[] {"--config", journalConf.toString()};
    return switch (scenario) {
      case "sampler-of-two", "sampler-replaced", "verifier" -> {
        nodes.start("coordinator", "coordinator,learner", seed, with(conf, "--http-port", String.valueOf(http)));
        nodes.start("verifier", "verifier", freePort(), QUIET);
        nodes.start("sampler", "sampler", freePort(), QUIET);
        if (scenario.equals("sampler-of-two")) {
          nodes.start("sampler-b", "sampler", freePort(), QUIET);
        }
        String victim = scenario.equals("verifier") ? "verifier" : "sampler";
        boolean replace = !scenario.equals("sampler-of-two");
        yield killed(nodes, http, campaign, 3, List.of(victim), replace, "kill -9 the " + victim
            + (replace ? " node, start a new one" : " node of two"));
      }
      case "learner", "learner-checkpoint" -> {
        nodes.start("coordinator", "coordinator", seed, with(conf, "--http-port", String.valueOf(http)));
        nodes.start("workers", "sampler,verifier", freePort(), QUIET);
        nodes.start("learner", "learner", freePort(), QUIET);
        yield scenario.equals("learner") ? killed(nodes, http, campaign, 6, List.of("learner"), true,
            "kill -9 the learner node after step 6 (checkpoint at 4), start a new one")
            : killInCheckpoint(nodes, http, campaign, work.resolve("cluster/checkpoints"));
      }
      case "coordinator" -> {
        int standbyHttp = freePort();
        nodes.start("coordinator", "coordinator", seed, with(conf, "--http-port", String.valueOf(http)));
        nodes.start("standby", "coordinator", freePort(), with(conf, "--http-port", String.valueOf(standbyHttp)));
        nodes.start("workers", "learner,sampler,verifier", freePort(), with(conf));
        yield killed(nodes, http, standbyHttp, campaign, 3, List.of("coordinator"), false,
            "kill -9 the active coordinator node; the standby takes over");
      }
      case "all-nodes" -> {
        nodes.start("coordinator", "coordinator,learner", seed, "--http-port", String.valueOf(http), "--threads", "1");
        nodes.start("workers", "sampler,verifier", freePort(), QUIET);
        yield killed(nodes, http, campaign, 5, List.of("coordinator", "workers"), true,
            "kill -9 every node at once, start them all again");
      }
      default -> throw new IllegalStateException(scenario);
    };
  }

  private Result killed(LocalCluster nodes, int http, String campaign, long after, List<String> victims,
      boolean restart, String fault) throws Exception {
    return killed(nodes, http, http, campaign, after, victims, restart, fault);
  }

  /**
   * Submits through port {@code http}, waits for step {@code after}, kills {@code victims} and
   * starts them again (same roles and ports) when {@code restart}, then follows the campaign
   * through port {@code watch} to its end.
   */
  private Result killed(LocalCluster nodes, int http, int watch, String campaign, long after, List<String> victims,
      boolean restart, String fault) throws Exception {
    String id = submit(new ApiClient("http://127.0.0.1:" + http), campaign);
    ApiClient api = new ApiClient("http://127.0.0.1:" + watch);
    long at = awaitStep(api, id, after, Duration.ofSeconds(120)).path("step").asLong();
    long t0 = System.nanoTime();
    for (String v : victims) {
      nodes.kill(v);
    }
    if (!victims.contains("coordinator")) {
      // What was journaled at the kill: a step may have ended between the read above and the kill.
      at = api.get("/campaigns/" + id).path("step").asLong();
    }
    if (restart) {
      for (String v : victims) {
        nodes.restart(v);
      }
    }
    awaitStep(api, id, at + 1, Duration.ofSeconds(240));
    double recovery = (System.nanoTime() - t0) / 1e9;
    JsonNode done = awaitStep(api, id, STEPS, Duration.ofSeconds(300));
    return new Result("", fault, at, recovery, done.path("status").asText().equals("completed"), 0, false, "");
  }

  /** Kills the learner while it writes a checkpoint: the moment a temporary checkpoint directory appears. */
  private Result killInCheckpoint(LocalCluster nodes, int http, String campaign, Path checkpoints) throws Exception {
    ApiClient api = new ApiClient("http://127.0.0.1:" + http);
    String id = submit(api, campaign);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    boolean caught = false;
    while (!caught && System.nanoTime() < deadline) {
      if (Files.isDirectory(checkpoints)) {
        try (Stream<Path> s = Files.list(checkpoints)) {
          caught = s.anyMatch(p -> p.getFileName().toString().contains(".tmp-") && !p.endsWith(".step-0"));
        } catch (IOException raced) {
          // The directory changed under the listing: look again.
        }
      }
      if (!caught) {
        Thread.sleep(2);
      }
    }
    long t0 = System.nanoTime();
    nodes.kill("learner");
    long at = api.get("/campaigns/" + id).path("step").asLong();
    String left;
    try (Stream<Path> s = Files.list(checkpoints)) {
      left = s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).findFirst().orElse(null);
    }
    nodes.restart("learner");
    awaitStep(api, id, at + 1, Duration.ofSeconds(240));
    double recovery = (System.nanoTime() - t0) / 1e9;
    JsonNode done = awaitStep(api, id, STEPS, Duration.ofSeconds(300));
    return new Result("", "kill -9 the learner node while it writes a checkpoint, start a new one", at, recovery,
        done.path("status").asText().equals("completed"), 0, false,
        caught && left != null ? "killed mid-write: " + left + " left behind" : "the write finished before the kill");
  }

  /** A tiny policy and the campaign run uninterrupted in this process into {@code local/}; returns the spec. */
  private static String uninterrupted(Path work) throws IOException {
    Path policy = work.resolve("policy");
    cli("sft", "--world", "shapes", "--steps", "3", "--out", policy.toString(), "--set", "world.image-size=16",
        "--set", "model.patch=4", "--set", "model.d-model=32", "--set", "model.layers=1", "--set", "model.heads=2",
        "--set", "sft.batch-size=4", "--threads", "1");
    String spec = "name = chaos, policy = \"" + policy + "\", verifier = oracle, data.world = shapes, steps = " + STEPS
        + ", prompts-per-step = 2, group-size = 4, rollout { max-new-tokens = 20, overlong-buffer = 4, micro-batch = 4 },"
        + " actor.lr = 1e-3, trainer { eval-n = 8, eval-every = 0, checkpoint-every = 4 }";
    Path specFile = work.resolve("local.conf");
    Files.writeString(specFile, spec + ", out = \"" + work.resolve("local") + "\"");
    cli("train", "--spec", specFile.toString(), "--threads", "1");
    return spec;
  }

  private static void cli(String... args) {
    StringWriter err = new StringWriter();
    if (PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args) != 0) {
      throw new IllegalStateException("perceval " + String.join(" ", args) + " failed: " + err);
    }
  }

  private static String submit(ApiClient api, String campaign) throws InterruptedException {
    LocalCluster.awaitCoordinator(api);
    return api.post("/campaigns", campaign).path("id").asText();
  }

  /** The campaign once it has journaled {@code step} (completed, for the last); API errors while the coordinator moves are waited out. */
  static JsonNode awaitStep(ApiClient api, String id, long step, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      JsonNode s = null;
      try {
        s = api.get("/campaigns/" + id);
      } catch (IllegalArgumentException | IllegalStateException e) {
        last = e;
      }
      if (s != null) {
        String status = s.path("status").asText();
        if (status.equals("failed") || status.equals("cancelled")) {
          throw new IllegalStateException("campaign " + status + ": " + s);
        }
        if (s.path("step").asLong() >= step && (step < STEPS || status.equals("completed"))) {
          return s;
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("campaign " + id + " did not reach step " + step + " in " + within.toSeconds()
        + " s" + (last != null ? " (last answer: " + last.getMessage() + ")" : ""));
  }

  /** A fresh PostgreSQL database for a journal the nodes share, and a node config that names it. */
  private Path postgresJournal(Path work) throws Exception {
    try (Connection c = DriverManager.getConnection(postgresAdminUrl, "postgres", "")) {
      c.createStatement().execute("DROP DATABASE IF EXISTS perceval_chaos");
      c.createStatement().execute("CREATE DATABASE perceval_chaos");
    } catch (SQLException e) {
      throw new IllegalStateException("the coordinator scenario needs PostgreSQL at " + postgresAdminUrl
          + " (user postgres): " + e.getMessage(), e);
    }
    Path conf = work.resolve("journal.conf");
    Files.writeString(conf, "include classpath(\"conf/postgres.conf\")\n"
        + "akka-persistence-jdbc.shared-databases.perceval.db.url = \"" + postgresUrl("perceval_chaos") + "\"\n");
    cli("db", "init", "--config", conf.toString());
    return conf;
  }

  private String postgresUrl(String database) {
    return postgresAdminUrl.substring(0, postgresAdminUrl.lastIndexOf('/') + 1) + database;
  }

  /** StepCompleted events of the coordinator, read from the journal table once the nodes are gone. */
  private static long journaledSteps(String url, String user) throws SQLException {
    try (Connection c = DriverManager.getConnection(url, user, "");
        ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM \"event_journal\" WHERE"
            + " \"persistence_id\" = 'perceval-coordinator' AND \"event_ser_manifest\" LIKE '%$StepCompleted'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String[] with(String[] conf, String... more) {
    List<String> all = new ArrayList<>(List.of(conf));
    all.addAll(List.of(more));
    all.addAll(List.of(QUIET));
    return all.toArray(String[]::new);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** One line per result, for the table {@code chaos} prints and docs/ quotes. */
  static List<String> table(List<Result> results) {
    List<String> out = new ArrayList<>();
    out.add("| scenario | fault | killed after step | recovery (s) | completed | steps journaled | same weights | note |");
    out.add("|---|---|---|---|---|---|---|---|");
    for (Result r : results) {
      out.add(String.format(java.util.Locale.ROOT, "| %s | %s | %d | %.1f | %s | %d of %d | %s | %s |", r.scenario(),
          r.fault(), r.killedAfter(), r.recoverySeconds(), r.completed() ? "yes" : "no", r.stepsJournaled(), STEPS,
          r.sameWeights() ? "yes" : "no", r.note()));
    }
    return out;
  }
}
