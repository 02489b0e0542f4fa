package dev.perceval.cluster.cli;

import dev.perceval.cluster.node.TlsInit;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tls", mixinStandardHelpOptions = true, description = "Certificates for TLS remoting and HTTPS.",
    subcommands = {TlsCommand.Init.class})
final class TlsCommand extends GroupCommand {

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Make a CA, a trust store and a key store per node (with the JDK's keytool); start nodes with"
          + " --tls DIR and clients with --cacert DIR/ca.crt.")
  static final class Init implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "Directory to write (must not hold a CA yet).")
    Path out;

    @Option(names = "--nodes", split = ",", defaultValue = "node",
        description = "Key store names, one per node (default: one shared 'node'); a node picks its own with"
            + " perceval.tls.key-store = NAME.p12.")
    List<String> nodes;

    @Option(names = "--san", split = ",", defaultValue = "localhost,127.0.0.1",
        description = "Host names and addresses the API is reached at (HTTPS clients check them).")
    List<String> sans;

    @Override
    public Integer call() throws Exception {
      TlsInit.create(out, nodes, sans);
      System.out.println("CA, trust store and key stores for " + nodes + " in " + out
          + "; keep ca.p12 off the nodes. Start nodes with --tls " + out + ", clients with --cacert " + out.resolve("ca.crt"));
      return 0;
    }
  }
}
