package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.Config;
import dev.perceval.actors.CampaignState;
import dev.perceval.actors.Coordinator;
import dev.perceval.cluster.ClusterFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's journal in PostgreSQL (conf/postgres.conf) and in the embedded H2 default: a
 * node stopped mid-campaign and started again resumes at the next step; every step is journaled
 * exactly once and the final numbers equal the in-process run's. PostgreSQL is started (or
 * installed) by .ci/postgres-up when it does not answer. A journal that fails under a running
 * node (its table gone, then back) makes the coordinator node not ready and its API answer 503
 * meanwhile, and costs no step.
 */
class JournalRestartTest {
  static final String DB = "perceval_journal_test";
  @TempDir Path dir;

  private Config node(Path conf, int port, int http) {
    return node(conf, port, http, 0);
  }

  private Config node(Path conf, int port, int http, int management) {
    return NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(conf, null, port, null, dir.resolve("data"),
        http, null, management)), dir);
  }

  private static CampaignState.Campaign status(Node n, String id) throws Exception {
    return AskPattern.<Coordinator.Command, Coordinator.StatusReply>ask(n.coordinator(),
        r -> new Coordinator.GetStatus(id, r), Duration.ofSeconds(10), n.system().scheduler())
        .toCompletableFuture().get().campaign();
  }

  private static CampaignState.Campaign await(Node n, String id, CampaignState.Status want, long step) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    CampaignState.Campaign c = null;
    while (System.nanoTime() < deadline) {
      try {
        c = status(n, id);
      } catch (java.util.concurrent.ExecutionException e) {
        c = null; // the singleton is still starting
      }
      if (c != null && c.status() == want && c.step() >= step) {
        return c;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(id + " did not reach " + want + " at step " + step + ": " + c);
  }

  @Test
  void onPostgresANodeRestartedMidCampaignResumesAtTheNextStep() throws Exception {
    Path conf = ClusterFixtures.postgresJournal(DB, dir.resolve("pg.conf"));
    restartMidCampaign(conf, ClusterFixtures.postgresUrl(DB), "postgres");
  }

  @Test
  void onH2ANodeRestartedMidCampaignResumesAtTheNextStep() throws Exception {
    restartMidCampaign(null, "jdbc:h2:file:" + dir.resolve("data").toAbsolutePath() + "/journal", "perceval");
  }

  /** The 5-step campaign's spec and the last row of its eval.csv, run in this process. */
  private record Uninterrupted(String spec, String[] header, String[] last) {
    void assertSameEnd(CampaignState.Campaign done) {
      for (int i = 1; i < header.length; i++) {
        assertEquals(Double.parseDouble(last[i]), done.metrics().get(header[i]), 1e-5, header[i]);
      }
    }
  }

  private Uninterrupted uninterrupted() throws Exception {
    Path policy = dir.resolve("policy");
    ClusterFixtures.tinyPolicy(policy);
    String spec = ClusterFixtures.tinySpec("pg", policy, 5, "eval-n = 8, eval-every = 0, checkpoint-every = 0");
    ClusterFixtures.trainLocally(dir, spec);
    List<String> evals = Files.readAllLines(dir.resolve("local/eval.csv"));
    return new Uninterrupted(spec, evals.get(0).split(","), evals.get(evals.size() - 1).split(","));
  }

  private void restartMidCampaign(Path conf, String jdbcUrl, String user) throws Exception {
    Uninterrupted local = uninterrupted();

    int port = ClusterFixtures.freePort();
    int http = ClusterFixtures.freePort();
    Node first = Node.start(node(conf, port, http), dir.resolve("cache"));
    String id;
    try {
      Coordinator.Accepted a = AskPattern.<Coordinator.Command, Coordinator.Accepted>ask(first.coordinator(),
          r -> new Coordinator.Submit(local.spec() + ", out = \"" + dir.resolve("cluster") + "\"", r), Duration.ofSeconds(60),
          first.system().scheduler()).toCompletableFuture().get();
      assertNull(a.error(), a.error());
      id = a.id();
      await(first, id, CampaignState.Status.RUNNING, 2);
    } finally {
      first.stop();
    }
    Node second = Node.start(node(conf, port, http), dir.resolve("cache"));
    try {
      CampaignState.Campaign done = await(second, id, CampaignState.Status.COMPLETED, 5);
      local.assertSameEnd(done);
    } finally {
      second.stop();
    }
    assertEquals(Map.of("Submitted", 1, "Started", 1, "StepCompleted", 5, "Completed", 1),
        journaledEvents(jdbcUrl, user));
  }

  @Test
  void onPostgresAJournalThatFailsMidCampaignMakesTheNodeNotReadyAndLosesNoStep() throws Exception {
    String db = DB + "_failing";
    Path conf = ClusterFixtures.postgresJournal(db, dir.resolve("pg.conf"));
    Uninterrupted local = uninterrupted();

    int http = ClusterFixtures.freePort();
    int management = ClusterFixtures.freePort();
    Node n = Node.start(node(conf, ClusterFixtures.freePort(), http, management), dir.resolve("cache"));
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    try {
      String ready = "http://127.0.0.1:" + management + "/ready";
      awaitGet(client, ready, 200);
      Coordinator.Accepted a = AskPattern.<Coordinator.Command, Coordinator.Accepted>ask(n.coordinator(),
          r -> new Coordinator.Submit(local.spec() + ", out = \"" + dir.resolve("cluster") + "\"", r), Duration.ofSeconds(60),
          n.system().scheduler()).toCompletableFuture().get();
      assertNull(a.error(), a.error());
      await(n, a.id(), CampaignState.Status.RUNNING, 1);
      sql(db, "ALTER TABLE event_journal RENAME TO event_journal_gone");
      try {
        // akka-management answers a failed readiness check with 500 and the check's name.
        awaitGet(client, ready, 500);
        var status = get(client, "http://127.0.0.1:" + http + "/campaigns/" + a.id());
        assertEquals(503, status.statusCode(), status.body());
        assertTrue(status.body().contains("retry later"), status.body());
      } finally {
        sql(db, "ALTER TABLE event_journal_gone RENAME TO event_journal");
      }
      CampaignState.Campaign done = await(n, a.id(), CampaignState.Status.COMPLETED, 5);
      local.assertSameEnd(done);
      awaitGet(client, ready, 200);
    } finally {
      n.stop();
    }
    assertEquals(Map.of("Submitted", 1, "Started", 1, "StepCompleted", 5, "Completed", 1),
        journaledEvents(ClusterFixtures.postgresUrl(db), "postgres"));
  }

  private static void sql(String db, String statement) throws SQLException {
    try (Connection c = DriverManager.getConnection(ClusterFixtures.postgresUrl(db), "postgres", "")) {
      c.createStatement().execute(statement);
    }
  }

  private static java.net.http.HttpResponse<String> get(java.net.http.HttpClient client, String url) throws Exception {
    return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(60))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitGet(java.net.http.HttpClient client, String url, int want) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    int got = -1;
    while (System.nanoTime() < deadline) {
      got = get(client, url).statusCode();
      if (got == want) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(url + " answered " + got + ", not " + want);
  }

  /** Events by kind, read from the journal table itself. */
  private static Map<String, Integer> journaledEvents(String url, String user) throws SQLException {
    Map<String, Integer> out = new java.util.TreeMap<>();
    try (Connection c = DriverManager.getConnection(url, user, "");
        ResultSet rs = c.createStatement().executeQuery("SELECT \"event_ser_manifest\" FROM \"event_journal\""
            + " WHERE \"persistence_id\" = '" + Coordinator.PERSISTENCE_ID + "'")) {
      while (rs.next()) {
        String m = rs.getString(1);
        out.merge(m.substring(m.lastIndexOf('$') + 1), 1, Integer::sum);
      }
    }
    return out;
  }
}
