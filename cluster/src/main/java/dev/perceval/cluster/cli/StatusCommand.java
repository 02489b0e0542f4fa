package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a campaign's status and latest metrics.")
final class StatusCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "ID") String id;

  @Mixin ApiOptions api;

  @Override
  public Integer call() {
    print(api.client().get("/campaigns/" + id));
    return 0;
  }

  static void print(JsonNode s) {
    System.out.printf(Locale.ROOT, "%s: %s, step %d of %d%s%n", s.path("id").asText(), s.path("status").asText(),
        s.path("step").asLong(), s.path("steps").asLong(),
        s.has("phase") ? " (" + s.path("phase").asText() + ")" : "");
    if (s.has("error")) {
      System.out.println("  error: " + s.path("error").asText());
    }
    s.path("metrics").fields().forEachRemaining(e -> {
      if (!e.getKey().startsWith("timing_s/")) {
        System.out.printf(Locale.ROOT, "  %-34s %.4f%n", e.getKey(), e.getValue().asDouble());
      }
    });
    if (!s.path("checkpoint").isNull() && !s.path("checkpoint").asText().isEmpty()) {
      System.out.println("  checkpoint " + s.path("checkpoint").asText());
    }
  }
}
