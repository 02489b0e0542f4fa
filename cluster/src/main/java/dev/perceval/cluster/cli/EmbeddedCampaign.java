package dev.perceval.cluster.cli;

import akka.actor.typed.javadsl.AskPattern;
import dev.perceval.actors.CampaignState;
import dev.perceval.actors.Coordinator;
import dev.perceval.cluster.node.Node;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;

/** Submits a campaign to a node running in this JVM and follows it to its end with a progress bar. */
final class EmbeddedCampaign {
  private EmbeddedCampaign() {}

  static CampaignState.Campaign run(Node node, String spec, String label, long steps) throws Exception {
    Coordinator.Accepted accepted = AskPattern.<Coordinator.Command, Coordinator.Accepted>ask(node.coordinator(),
        r -> new Coordinator.Submit(spec, r), Duration.ofSeconds(60), node.system().scheduler())
        .toCompletableFuture().get();
    if (accepted.error() != null) {
      throw new IllegalArgumentException(accepted.error());
    }
    CampaignState.Campaign c;
    try (ProgressBar bar = Progress.bar(label, steps)) {
      do {
        Thread.sleep(500);
        c = AskPattern.<Coordinator.Command, Coordinator.StatusReply>ask(node.coordinator(),
            r -> new Coordinator.GetStatus(accepted.id(), r), Duration.ofSeconds(10), node.system().scheduler())
            .toCompletableFuture().get().campaign();
        bar.stepTo(c.step());
        bar.setExtraMessage(String.format(Locale.ROOT, " reward %.3f flagged %.2f",
            c.metrics().getOrDefault("reward/mean", Double.NaN),
            c.metrics().getOrDefault("perceval/flagged_rate", Double.NaN)));
      } while (!c.finished());
    }
    if (c.status() != CampaignState.Status.COMPLETED) {
      throw new IllegalStateException("campaign " + c.id() + " " + c.status().name().toLowerCase(Locale.ROOT)
          + (c.error() != null ? ": " + c.error() : ""));
    }
    return c;
  }
}
