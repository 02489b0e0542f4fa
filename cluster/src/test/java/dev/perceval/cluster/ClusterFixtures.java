package dev.perceval.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.perceval.cluster.cli.PercevalCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.stream.Stream;

/** What the cluster tests share: the CLI run in-process, free ports, a tiny policy and campaign. */
public final class ClusterFixtures {
  private ClusterFixtures() {}

  /** Runs the CLI in this JVM; fails the test with its stderr unless it exits 0. */
  public static void cli(String... args) {
    StringWriter err = new StringWriter();
    int status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    assertEquals(0, status, err.toString());
  }

  public static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A three-step SFT policy on 16-pixel shapes scenes, written to {@code out}. */
  public static Path tinyPolicy(Path out) {
    cli("sft", "--world", "shapes", "--steps", "3", "--out", out.toString(), "--set", "world.image-size=16",
        "--set", "model.patch=4", "--set", "model.d-model=32", "--set", "model.layers=1", "--set", "model.heads=2",
        "--set", "sft.batch-size=4");
    return out;
  }

  /**
   * Runs {@code spec} in this process (`train`) into {@code <dir>/local}, the uninterrupted
   * reference a cluster run is compared with; returns that directory.
   */
  public static Path trainLocally(Path dir, String spec, String... options) throws IOException {
    Path specFile = dir.resolve("local.conf");
    Files.writeString(specFile, spec + ", out = \"" + dir.resolve("local") + "\"");
    String[] args = Stream.concat(Stream.of("train", "--spec", specFile.toString()), Stream.of(options))
        .toArray(String[]::new);
    cli(args);
    return dir.resolve("local");
  }

  /** A campaign of {@code steps} tiny steps with the oracle verifier; {@code trainer} is the trainer block's body. */
  public static String tinySpec(String name, Path policy, int steps, String trainer) {
    return "name = " + name + ", policy = \"" + policy + "\", verifier = oracle, data.world = shapes, steps = " + steps
        + ", prompts-per-step = 2, group-size = 4, rollout { max-new-tokens = 20, overlong-buffer = 4, micro-batch = 4 },"
        + " actor.lr = 1e-3, trainer { " + trainer + " }";
  }

  public static final String ADMIN_URL = postgresUrl("test");

  public static String postgresUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:5432/" + database;
  }

  /**
   * A fresh PostgreSQL database {@code database} with the journal schema, and a node config at
   * {@code conf} that journals to it. PostgreSQL is started (or installed) by .ci/postgres-up
   * when it does not answer.
   */
  public static Path postgresJournal(String database, Path conf) throws Exception {
    postgresUp();
    try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", "")) {
      c.createStatement().execute("DROP DATABASE IF EXISTS " + database);
      c.createStatement().execute("CREATE DATABASE " + database);
    }
    Files.writeString(conf, "include classpath(\"conf/postgres.conf\")\n"
        + "akka-persistence-jdbc.shared-databases.perceval.db.url = \"" + postgresUrl(database) + "\"\n");
    cli("db", "init", "--config", conf.toString());
    return conf;
  }

  /** Makes sure PostgreSQL answers at {@link #ADMIN_URL}, starting (or installing) it with .ci/postgres-up. */
  public static String postgresUp() throws Exception {
    if (!postgresAnswers()) {
      Process p = new ProcessBuilder("bash", Path.of("..", ".ci", "postgres-up").toString()).inheritIO().start();
      if (p.waitFor() != 0 || !postgresAnswers()) {
        throw new IllegalStateException("PostgreSQL does not answer on 127.0.0.1:5432 and .ci/postgres-up could not"
            + " start it; see its message above");
      }
    }
    return ADMIN_URL;
  }

  private static boolean postgresAnswers() {
    try (Connection c = DriverManager.getConnection(ADMIN_URL, "postgres", "")) {
      return c.isValid(5);
    } catch (SQLException e) {
      return false;
    }
  }
}
