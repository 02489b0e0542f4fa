package dev.perceval.cluster.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import dev.perceval.policy.io.DataRoot;

/**
 * A node's configuration: command-line choices over a --config file over the bundled
 * conf/application.conf over every library's reference.conf. Everything a user can get wrong
 * (roles, ports, seed addresses, a port already taken) fails here with a message naming it,
 * before an ActorSystem exists.
 */
public final class NodeConfig {
  public static final Set<String> ROLES = Set.of("coordinator", "learner", "sampler", "verifier", "tts");
  public static final String SYSTEM_NAME = "perceval";

  private NodeConfig() {}

  /** Options from the command line; null means "as configured". */
  public record Options(Path configFile, List<String> roles, Integer port, List<String> seeds, Path dataDir,
      Integer httpPort, String host, Integer managementPort) {
    public Options(Path configFile, List<String> roles, Integer port, List<String> seeds, Path dataDir,
        Integer httpPort, String host) {
      this(configFile, roles, port, seeds, dataDir, httpPort, host, null);
    }
  }

  /** {@code config} with {@code root} as the directory requests may name paths under (perceval.node.data-root). */
  public static Config withDataRoot(Config config, Path root) {
    return config.withValue("perceval.node.data-root",
        ConfigValueFactory.fromAnyRef(root.toAbsolutePath().normalize().toString()));
  }

  /**
   * The node's data root, with its own files reserved: the journal directory, the TLS directory
   * and the tokens file, so that no spec writes into them or reads them as a checkpoint.
   */
  public static DataRoot dataRoot(Config config) {
    List<Path> own = new ArrayList<>(List.of(Path.of(config.getString("perceval.node.data-dir"))));
    for (String key : List.of("perceval.tls.dir", "perceval.http.auth.tokens-file")) {
      if (config.hasPath(key) && !config.getString(key).isBlank()) {
        own.add(Path.of(config.getString(key)));
      }
    }
    return new DataRoot(Path.of(config.getString("perceval.node.data-root"))).reserving(own);
  }

  public static Config load(Options o) {
    Config base = ConfigFactory.parseResources(NodeConfig.class.getClassLoader(), "conf/application.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
    if (o.configFile() != null) {
      if (!Files.isRegularFile(o.configFile())) {
        throw new IllegalArgumentException("config file " + o.configFile() + " not found");
      }
      try {
        base = ConfigFactory.parseFile(o.configFile().toFile()).withFallback(base);
      } catch (ConfigException e) {
        throw new IllegalArgumentException("config file " + o.configFile() + ": " + e.getMessage(), e);
      }
    }
    Config c = ConfigFactory.empty();
    if (o.roles() != null) {
      for (String r : o.roles()) {
        if (!ROLES.contains(r)) {
          throw new IllegalArgumentException("unknown role '" + r + "' (known: coordinator, learner, sampler, verifier, tts)");
        }
      }
      c = c.withValue("perceval.node.roles", ConfigValueFactory.fromIterable(o.roles()));
    }
    if (o.port() != null) {
      checkPort("--port", o.port(), true);
      c = c.withValue("akka.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(o.port()));
    }
    if (o.host() != null) {
      c = c.withValue("akka.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(o.host()));
    }
    if (o.seeds() != null) {
      List<String> addresses = new ArrayList<>();
      for (String s : o.seeds()) {
        addresses.add(seedAddress(s));
      }
      c = c.withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(addresses));
    }
    if (o.dataDir() != null) {
      c = c.withValue("perceval.node.data-dir", ConfigValueFactory.fromAnyRef(o.dataDir().toString()));
    }
    if (o.httpPort() != null) {
      checkPort("--http-port", o.httpPort(), true);
      c = c.withValue("perceval.http.port", ConfigValueFactory.fromAnyRef(o.httpPort()));
    }
    if (o.managementPort() != null) {
      checkPort("--management-port", o.managementPort(), true);
      c = c.withValue("akka.management.http.port", ConfigValueFactory.fromAnyRef(o.managementPort()));
    }
    Config resolved = ConfigFactory.defaultOverrides().withFallback(c).withFallback(base)
        .withFallback(ConfigFactory.defaultReference()).resolve();
    // H2 refuses paths relative to the working directory, and the journal URL is built from this.
    String dataDir = Path.of(resolved.getString("perceval.node.data-dir")).toAbsolutePath().normalize().toString();
    if (!dataDir.equals(resolved.getString("perceval.node.data-dir"))) {
      resolved = ConfigFactory.empty().withValue("perceval.node.data-dir", ConfigValueFactory.fromAnyRef(dataDir))
          .withFallback(ConfigFactory.defaultOverrides()).withFallback(c).withFallback(base)
          .withFallback(ConfigFactory.defaultReference()).resolve();
    }
    List<String> roles = resolved.getStringList("perceval.node.roles");
    Config withRoles = resolved.withValue("akka.cluster.roles", ConfigValueFactory.fromIterable(roles));
    int port = withRoles.getInt("akka.remote.artery.canonical.port");
    String host = withRoles.getString("akka.remote.artery.canonical.hostname");
    requireFree("remoting", host, port);
    if (roles.contains("coordinator")) {
      requireFree("HTTP", withRoles.getString("perceval.http.interface"), withRoles.getInt("perceval.http.port"));
    }
    if (withRoles.getBoolean("perceval.node.management")) {
      requireFree("management", withRoles.getString("akka.management.http.hostname"),
          withRoles.getInt("akka.management.http.port"));
    }
    // A node without seeds forms its own cluster: Node joins itself once its port is bound.
    return withRoles;
  }

  /** {@code host:port} to an Akka address; anything else is named as wrong. */
  static String seedAddress(String seed) {
    String s = seed.strip();
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("bad seed address '" + seed + "' (expected host:port, e.g. 127.0.0.1:25520)");
    }
    String host = s.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad seed address '" + seed + "': port '" + s.substring(colon + 1)
          + "' is not a number");
    }
    checkPort("seed " + seed, port, false);
    if (!host.matches("[A-Za-z0-9.\\-]+")) {
      throw new IllegalArgumentException("bad seed address '" + seed + "': '" + host + "' is not a host name");
    }
    return "akka://" + SYSTEM_NAME + "@" + host + ":" + port;
  }

  private static void checkPort(String what, int port, boolean zeroAllowed) {
    if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
      throw new IllegalArgumentException(what + ": port " + port + " is outside 1..65535");
    }
  }

  /**
   * Fails with a clear message when something already listens on the port. Connections of a
   * node killed a moment ago that wait in TIME_WAIT do not count (the node's own listener binds
   * with SO_REUSEADDR too), so a node restarts on its port right after a crash.
   */
  static void requireFree(String what, String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " port " + host + ":" + port + " is not available ("
          + e.getMessage() + "); choose another with " + switch (what) {
            case "HTTP" -> "--http-port";
            case "management" -> "--management-port";
            default -> "--port";
          });
    }
  }
}
