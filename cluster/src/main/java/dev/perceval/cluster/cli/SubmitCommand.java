package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Submit a campaign spec to a node's coordinator; with --follow, show its steps until it ends.")
final class SubmitCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SPEC", description = "Campaign spec (HOCON or JSON).")
  Path spec;

  @Mixin ApiOptions api;

  @Option(names = "--follow", description = "Follow the campaign with a progress bar until it ends.")
  boolean follow;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(spec)) {
      throw new IllegalArgumentException("campaign spec " + spec + " not found");
    }
    ApiClient client = api.client();
    String id = client.post("/campaigns", Files.readString(spec)).path("id").asText();
    System.out.println(id);
    if (!follow) {
      return 0;
    }
    JsonNode s = client.get("/campaigns/" + id);
    try (ProgressBar bar = Progress.bar(id, Math.max(1, s.path("steps").asLong(1)))) {
      while (true) {
        s = client.get("/campaigns/" + id);
        bar.stepTo(s.path("step").asLong());
        JsonNode m = s.path("metrics");
        bar.setExtraMessage(String.format(Locale.ROOT, " %s reward %.3f", s.path("status").asText(),
            m.path("reward/mean").asDouble(Double.NaN)));
        String status = s.path("status").asText();
        if (status.equals("completed") || status.equals("failed") || status.equals("cancelled")) {
          break;
        }
        Thread.sleep(1000);
      }
    }
    StatusCommand.print(s);
    return s.path("status").asText().equals("failed") ? 1 : 0;
  }
}
