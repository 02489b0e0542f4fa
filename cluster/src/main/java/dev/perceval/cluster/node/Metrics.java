package dev.perceval.cluster.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import dev.perceval.actors.CampaignState;
import dev.perceval.actors.Coordinator;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus metrics: JVM memory and CPU, and per campaign its completed steps and latest
 * training and held-out numbers, read from the coordinator at scrape time.
 */
final class Metrics {
  private static final Map<String, String> EXPORTED = Map.of(
      "reward/mean", "perceval_campaign_reward_mean",
      "acc", "perceval_campaign_train_accuracy",
      "perceval/flagged_rate", "perceval_campaign_flagged_rate",
      "eval/accuracy", "perceval_campaign_heldout_accuracy",
      "timing_s/step", "perceval_campaign_step_seconds",
      "workers/redispatched", "perceval_campaign_redispatched_shards");

  private final ActorSystem<?> system;
  private final ActorRef<Coordinator.Command> coordinator;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, double[]> values = new ConcurrentHashMap<>();

  Metrics(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator) {
    this.system = system;
    this.coordinator = coordinator;
    new JvmMemoryMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  CompletionStage<HttpResponse> scrape() {
    return AskPattern.<Coordinator.Command, Coordinator.CampaignList>ask(coordinator, Coordinator.ListCampaigns::new,
            Duration.ofSeconds(10), system.scheduler())
        .thenApply(list -> {
          for (CampaignState.Campaign c : list.campaigns()) {
            set("perceval_campaign_steps_completed", c.id(), c.step());
            EXPORTED.forEach((key, name) -> {
              Double v = c.metrics().get(key);
              if (v != null) {
                set(name, c.id(), v);
              }
            });
          }
          return HttpResponse.create().withEntity(HttpEntities.create(
              ContentTypes.TEXT_PLAIN_UTF8, registry.scrape()));
        });
  }

  private void set(String name, String campaign, double v) {
    double[] holder = values.computeIfAbsent(name + "/" + campaign, k -> {
      double[] h = new double[1];
      Gauge.builder(name, h, a -> a[0]).tags(Tags.of("campaign", campaign)).register(registry);
      return h;
    });
    holder[0] = v;
  }
}
