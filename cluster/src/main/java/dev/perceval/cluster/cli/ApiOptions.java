package dev.perceval.cluster.cli;

import picocli.CommandLine.Option;

/** Where a node's HTTP API is and the bearer token to show it: what submit, status and ask share. */
final class ApiOptions {
  @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "The node's HTTP API.")
  String url;

  @Option(names = "--token", description = "Bearer token for a node that requires one (default: $PERCEVAL_TOKEN).")
  String token;

  @Option(names = "--cacert", paramLabel = "FILE",
      description = "CA certificate (PEM) an https:// node's certificate must chain to (default: $PERCEVAL_CACERT).")
  java.nio.file.Path cacert;

  ApiClient client() {
    String t = token != null ? token : System.getenv("PERCEVAL_TOKEN");
    java.nio.file.Path ca = cacert != null ? cacert
        : System.getenv("PERCEVAL_CACERT") != null ? java.nio.file.Path.of(System.getenv("PERCEVAL_CACERT")) : null;
    return new ApiClient(url, t == null || t.isBlank() ? null : t.strip(),
        ca == null ? null : dev.perceval.cluster.node.Tls.clientContext(ca));
  }
}
