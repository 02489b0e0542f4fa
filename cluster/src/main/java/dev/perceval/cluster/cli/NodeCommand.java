package dev.perceval.cluster.cli;

import com.typesafe.config.Config;
import dev.perceval.cluster.node.Node;
import dev.perceval.cluster.node.NodeConfig;
import dev.perceval.policy.Settings;
import dev.perceval.policy.model.Torch;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Start a cluster node hosting the actors of its roles; runs until stopped.")
final class NodeCommand implements Callable<Integer> {
  @Option(names = "--roles", split = ",", description = "coordinator, learner, sampler, verifier, tts (default: all).")
  List<String> roles;

  @Option(names = "--port", description = "Remoting port (default 25520; 0 picks a free one).")
  Integer port;

  @Option(names = "--host", description = "Address other nodes reach this one at (default 127.0.0.1).")
  String host;

  @Option(names = "--seeds", split = ",", paramLabel = "HOST:PORT", description = "Seed nodes to join.")
  List<String> seeds;

  @Option(names = "--config", paramLabel = "FILE", description = "Node config, e.g. conf/cluster.conf or conf/postgres.conf.")
  Path config;

  @Option(names = "--data-dir", description = "Where the embedded journal lives (perceval.node.data-dir).")
  Path dataDir;

  @Option(names = "--data-root", description = "The directory campaign specs and chat requests may name paths"
      + " under (perceval.node.data-root; default: the working directory).")
  Path dataRoot;

  @Option(names = "--http-port", description = "HTTP API port on coordinator nodes (default 8080).")
  Integer httpPort;

  @Option(names = "--management-port", description = "akka-management port for /alive and /ready (default 8558).")
  Integer managementPort;

  @Option(names = "--tokens-file", paramLabel = "FILE", description = "API bearer tokens, one 'TOKEN SCOPES' per"
      + " line (perceval.http.auth.tokens-file); required when the API binds a non-loopback interface.")
  Path tokensFile;

  @Option(names = "--insecure", description = "Serve a non-loopback API interface without tokens (logged).")
  boolean insecure;

  @Option(names = "--tls", paramLabel = "DIR", description = "TLS remoting (mutual authentication) and an HTTPS"
      + " API with the stores ./perceval tls init made in DIR (perceval.tls.dir, PERCEVAL_TLS_DIR).")
  Path tls;

  @Option(names = "--threads", description = "libtorch intra-op threads; 0 = min(2, cores).")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    // A standalone node leaves the JVM when the cluster downs it, so a supervisor can restart it.
    Config cfg = NodeConfig.load(new NodeConfig.Options(config, roles, port, seeds, dataDir, httpPort, host,
        managementPort))
        .withValue("akka.coordinated-shutdown.exit-jvm", com.typesafe.config.ConfigValueFactory.fromAnyRef(true));
    if (dataRoot != null) {
      cfg = NodeConfig.withDataRoot(cfg, dataRoot);
    }
    if (tokensFile != null) {
      cfg = cfg.withValue("perceval.http.auth.tokens-file",
          com.typesafe.config.ConfigValueFactory.fromAnyRef(tokensFile.toAbsolutePath().toString()));
    }
    if (tls != null) {
      cfg = dev.perceval.cluster.node.Tls.withDir(cfg, tls);
    }
    if (insecure) {
      cfg = cfg.withValue("perceval.http.auth.insecure", com.typesafe.config.ConfigValueFactory.fromAnyRef(true));
    }
    Settings settings = Settings.from(cfg.getConfig("perceval"));
    Torch.init(threads != null && threads > 0 ? threads : settings.effectiveThreads(), false);
    Node node = Node.start(cfg, settings.cacheDir());
    System.out.println("node " + node.system().address() + " up with roles "
        + cfg.getStringList("perceval.node.roles")
        + (node.httpPort() > 0 ? "; " + (node.tls() ? "HTTPS" : "HTTP") + " API on " + cfg.getString("perceval.http.interface") + ":" + node.httpPort() : ""));
    node.awaitTermination();
    return 0;
  }
}
