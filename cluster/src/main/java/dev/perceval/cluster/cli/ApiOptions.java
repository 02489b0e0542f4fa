package dev.perceval.cluster.cli;

import picocli.CommandLine.Option;

/** Where a node's HTTP API is and the bearer token to show it: what submit, status and ask share. */
final class ApiOptions {
  @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "The node's HTTP API.")
  String url;

  @Option(names = "--token", description = "Bearer token for a node that requires one (default: $PERCEVAL_TOKEN).")
  String token;

  ApiClient client() {
    String t = token != null ? token : System.getenv("PERCEVAL_TOKEN");
    return new ApiClient(url, t == null || t.isBlank() ? null : t.strip());
  }
}
