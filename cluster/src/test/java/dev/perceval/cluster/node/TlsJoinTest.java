package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.perceval.cluster.ClusterFixtures;
import dev.perceval.cluster.cli.PercevalCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes with certificates of one CA form a cluster over TLS; a node whose certificate another CA
 * signed, or one without TLS, cannot join it. The API answers HTTPS to clients that trust the CA.
 */
class TlsJoinTest {
  @TempDir static Path dir;
  static Path ours;
  static Path theirs;
  static int seedPort;
  static final List<Node> nodes = new ArrayList<>();

  @BeforeAll
  static void certificates() throws Exception {
    ours = dir.resolve("ours");
    theirs = dir.resolve("theirs");
    TlsInit.create(ours, List.of("a", "b"), List.of("localhost", "127.0.0.1"));
    TlsInit.create(theirs, List.of("a"), List.of("localhost", "127.0.0.1"));
    seedPort = ClusterFixtures.freePort();
  }

  @AfterAll
  static void stop() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).stop();
    }
  }

  static Node start(String name, List<String> roles, Integer port, Path tls, String keyStore) {
    Config c = NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, roles, port,
        port != null && port == seedPort ? null : List.of("127.0.0.1:" + seedPort), dir.resolve("data-" + name), 0,
        null)), dir).withValue("perceval.node.management", ConfigValueFactory.fromAnyRef(false));
    if (tls != null) {
      c = Tls.withDir(c, tls).withValue("perceval.tls.key-store", ConfigValueFactory.fromAnyRef(keyStore));
    }
    Node n = Node.start(c, dir.resolve("cache"));
    nodes.add(n);
    return n;
  }

  static long up(Node n) {
    return StreamSupport.stream(Cluster.get(n.system()).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up()).count();
  }

  static void awaitUp(Node n, long count, int seconds) throws InterruptedException {
    for (int i = 0; i < seconds * 10 && up(n) < count; i++) {
      Thread.sleep(100);
    }
  }

  @Test
  void onlyNodesOfTheSameCaJoinAndTheApiSpeaksHttps() throws Exception {
    Node seed = start("seed", List.of("coordinator"), seedPort, ours, "a.p12");
    assertTrue(seed.tls());
    awaitUp(seed, 1, 20);
    Node member = start("member", List.of("learner"), 0, ours, "b.p12");
    awaitUp(seed, 2, 30);
    assertEquals(2, up(seed), "a node with a certificate of the same CA joins");

    Node stranger = start("stranger", List.of("learner"), 0, theirs, "a.p12");
    Node plain = start("plain", List.of("learner"), 0, null, null);
    Thread.sleep(8000);
    assertEquals(2, up(seed), "a node of another CA or without TLS joined");
    assertTrue(Cluster.get(stranger.system()).selfMember().status() != MemberStatus.up());
    assertTrue(Cluster.get(plain.system()).selfMember().status() != MemberStatus.up());
    assertEquals(MemberStatus.up(), Cluster.get(member.system()).selfMember().status());

    String https = "https://127.0.0.1:" + seed.httpPort();
    HttpClient trusting = HttpClient.newBuilder().sslContext(Tls.clientContext(ours.resolve("ca.crt"))).build();
    HttpResponse<String> ok = trusting.send(HttpRequest.newBuilder(URI.create(https + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ok.statusCode());
    HttpClient other = HttpClient.newBuilder().sslContext(Tls.clientContext(theirs.resolve("ca.crt"))).build();
    assertThrows(javax.net.ssl.SSLException.class, () -> other.send(HttpRequest.newBuilder(
        URI.create(https + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()));

    StringWriter err = new StringWriter();
    int status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        "status", "--url", https, "--cacert", ours.resolve("ca.crt").toString(), "c0001-none");
    assertEquals(2, status);
    assertTrue(err.toString().contains("no campaign 'c0001-none'"), err.toString());
    err = new StringWriter();
    status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        "status", "--url", https, "c0001-none");
    assertEquals(2, status);
    assertTrue(err.toString().contains("--cacert"), err.toString());
  }

  @Test
  void aSecondInitIntoTheSameDirectoryIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TlsInit.create(ours, List.of("c"), List.of("localhost")));
    assertTrue(e.getMessage().contains("already holds a CA"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TlsInit.create(dir.resolve("x"), List.of("../evil"),
        List.of("localhost")));
  }
}
