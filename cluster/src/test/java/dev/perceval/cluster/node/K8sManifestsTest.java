package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests agree with the code and config they start: roles, config file, ports
 * and probe paths, the environment variables the config reads, the volume, secret and RBAC names.
 */
class K8sManifestsTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Set<String> ROLES = Set.of("coordinator", "learner", "sampler", "verifier", "tts");

  static List<JsonNode> documents(String file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<JsonNode> out = new ArrayList<>();
    try (YAMLParser p = new YAMLFactory().createParser(ROOT.resolve("k8s").resolve(file).toFile())) {
      var it = yaml.readValues(p, JsonNode.class);
      while (it.hasNext()) {
        JsonNode d = it.next();
        if (d != null && !d.isEmpty()) {
          out.add(d);
        }
      }
    }
    return out;
  }

  static JsonNode kind(List<JsonNode> docs, String kind, String name) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind)
            && d.path("metadata").path("name").asText().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.path("value").asText();
      }
    }
    return null;
  }

  /** Whether {@code file} lies under a mount of one of the pod's Secret volumes. */
  static boolean secretMountedAbove(JsonNode pod, JsonNode container, String file) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (!file.startsWith(m.path("mountPath").asText() + "/")) {
        continue;
      }
      for (JsonNode v : pod.path("spec").path("volumes")) {
        if (v.path("name").asText().equals(m.path("name").asText()) && v.has("secret")) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void nodeWorkloadsMatchTheNodeConfig() throws Exception {
    Config k8s = NodeConfig.load(new NodeConfig.Options(ROOT.resolve("conf/k8s.conf"), null, 0, null, null, 0, null, 0));
    assertTrue(k8s.getBoolean("perceval.node.bootstrap"));
    // Ports as the file sets them (the load above frees them for this test).
    Config ports0 = com.typesafe.config.ConfigFactory.parseFile(ROOT.resolve("conf/k8s.conf").toFile())
        .withFallback(com.typesafe.config.ConfigFactory.defaultReference()).resolve();
    assertEquals(List.of("auto"), k8s.getStringList("perceval.node.devices"));
    String confText = Files.readString(ROOT.resolve("conf/application.conf")) + Files.readString(ROOT.resolve("conf/postgres.conf"))
        + Files.readString(ROOT.resolve("conf/k8s.conf"));
    List<JsonNode> nodes = documents("nodes.yaml");
    Set<String> roles = new HashSet<>();
    int deployments = 0;
    for (JsonNode d : nodes) {
      if (!d.path("kind").asText().equals("Deployment")) {
        continue;
      }
      deployments++;
      JsonNode pod = d.path("spec").path("template");
      assertEquals("perceval", pod.path("metadata").path("labels").path("app").asText(),
          "cluster bootstrap finds pods by app=perceval");
      JsonNode c = pod.path("spec").path("containers").get(0);
      List<String> args = new ArrayList<>();
      c.path("args").forEach(a -> args.add(a.asText()));
      assertEquals("node", args.get(0));
      assertTrue(Files.isRegularFile(ROOT.resolve(args.get(args.indexOf("--config") + 1))), args.toString());
      for (String r : args.get(args.indexOf("--roles") + 1).split(",")) {
        assertTrue(ROLES.contains(r), "unknown role " + r);
        roles.add(r);
      }
      Set<String> ports = new HashSet<>();
      c.path("ports").forEach(p -> ports.add(p.path("name").asText() + ":" + p.path("containerPort").asInt()));
      assertTrue(ports.contains("remoting:" + ports0.getInt("akka.remote.artery.canonical.port")), ports.toString());
      assertTrue(ports.contains(k8s.getString("akka.discovery.kubernetes-api.pod-port-name") + ":"
          + ports0.getInt("akka.management.http.port")), ports.toString());
      if (args.get(args.indexOf("--roles") + 1).contains("coordinator")) {
        assertTrue(ports.contains("http:" + ports0.getInt("perceval.http.port")), ports.toString());
        assertTrue(d.path("spec").path("replicas").asInt() >= 2, "a standby coordinator");
        assertFalse(args.get(args.indexOf("--roles") + 1).contains("learner"), "the learner out of the coordinator's pod");
      }
      assertEquals("/" + k8s.getString("akka.management.health-checks.readiness-path"),
          c.path("readinessProbe").path("httpGet").path("path").asText());
      assertEquals("/" + k8s.getString("akka.management.health-checks.liveness-path"),
          c.path("livenessProbe").path("httpGet").path("path").asText());
      for (JsonNode e : c.path("env")) {
        String name = e.path("name").asText();
        assertTrue(confText.contains("${?" + name + "}"), name + " is read by no config file");
        String secret = e.path("valueFrom").path("secretKeyRef").path("name").asText();
        if (!secret.isEmpty()) {
          JsonNode s = kind(documents("postgres.yaml"), "Secret", secret);
          assertTrue(s.path("stringData").has(e.path("valueFrom").path("secretKeyRef").path("key").asText()));
        }
      }
      String dataRoot = null;
      for (JsonNode e : c.path("env")) {
        dataRoot = e.path("name").asText().equals("PERCEVAL_DATA_ROOT") ? e.path("value").asText() : dataRoot;
      }
      assertEquals(c.path("volumeMounts").get(0).path("mountPath").asText(), dataRoot,
          "requests name paths on the shared volume only");
      String iface = env(c, "PERCEVAL_HTTP_INTERFACE");
      if (iface != null && !ApiTokens.isLoopback(iface)) {
        // A node serving the pod network will not start without tokens: they come from a Secret.
        String tokens = env(c, "PERCEVAL_TOKENS_FILE");
        assertTrue(tokens != null, "an API on " + iface + " needs PERCEVAL_TOKENS_FILE");
        assertTrue(secretMountedAbove(pod, c, tokens), tokens + " is in no mounted Secret");
      }
      String tls = env(c, "PERCEVAL_TLS_DIR");
      assertTrue(tls != null && secretMountedAbove(pod, c, tls + "/node.p12"), "every pod joins over TLS from a Secret");
      assertEquals("perceval", pod.path("spec").path("serviceAccountName").asText());
      String claim = pod.path("spec").path("volumes").get(0).path("persistentVolumeClaim").path("claimName").asText();
      kind(documents("storage.yaml"), "PersistentVolumeClaim", claim);
    }
    assertEquals(4, deployments);
    // Remoting and management admit the cluster's own pods only; nothing admits other ports.
    JsonNode policy = kind(documents("network.yaml"), "NetworkPolicy", "perceval-nodes");
    assertEquals("perceval", policy.path("spec").path("podSelector").path("matchLabels").path("app").asText());
    Set<String> admitted = new HashSet<>();
    for (JsonNode rule : policy.path("spec").path("ingress")) {
      boolean ownPods = rule.path("from").size() == 1
          && rule.path("from").get(0).path("podSelector").path("matchLabels").path("app").asText().equals("perceval");
      for (JsonNode port : rule.path("ports")) {
        String name = port.path("port").asText();
        admitted.add(name);
        if (!name.equals("http")) {
          assertTrue(ownPods, name + " is open to pods outside the cluster");
        }
      }
    }
    assertEquals(Set.of("remoting", "management", "http"), admitted);
    assertTrue(roles.containsAll(Set.of("coordinator", "learner", "sampler", "verifier")), roles.toString());
    JsonNode role = kind(documents("rbac.yaml"), "Role", "perceval-pod-reader");
    assertTrue(role.path("rules").get(0).path("verbs").toString().contains("list"));
    kind(documents("rbac.yaml"), "ServiceAccount", "perceval");
    assertEquals("coordinator", kind(nodes, "Service", "perceval-api").path("spec").path("selector").path("role").asText());
  }
}
