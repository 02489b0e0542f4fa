package dev.perceval.cluster.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import dev.perceval.actors.CampaignState;
import dev.perceval.actors.Coordinator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus metrics: JVM memory and CPU, and per campaign its completed steps, its status and
 * its latest training and held-out numbers, read from the coordinator at scrape time. Names follow
 * Prometheus' rules: the unit last ({@code _seconds}, {@code _ratio} for shares in [0, 1]) and
 * {@code _total} on counters; k8s/grafana-dashboard.json charts them.
 */
final class Metrics {
  /** Campaign metric key -> gauge name. */
  static final Map<String, String> GAUGES = Map.of(
      "reward/mean", "perceval_campaign_reward_mean",
      "acc", "perceval_campaign_train_accuracy_ratio",
      "perceval/flagged_rate", "perceval_campaign_flagged_ratio",
      "eval/accuracy", "perceval_campaign_heldout_accuracy_ratio",
      "timing_s/step", "perceval_campaign_step_duration_seconds",
      "workers/redispatched", "perceval_campaign_step_redispatched_shards");
  /** A counter: the steps the campaign has journaled. */
  static final String STEPS = "perceval_campaign_steps_total";
  /** 1 for a campaign's current status (label {@code status}), 0 for the others. */
  static final String STATUS = "perceval_campaign_status";

  private final ActorSystem<?> system;
  private final ActorRef<Coordinator.Command> coordinator;
  private final PrometheusMeterRegistry registry = processRegistry();
  private final Map<String, double[]> values = new ConcurrentHashMap<>();

  Metrics(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator) {
    this.system = system;
    this.coordinator = coordinator;
  }

  /** A registry with the JVM's and the process's meters, the ones every node exports. */
  static PrometheusMeterRegistry processRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return registry;
  }

  /** Every campaign series' name, as a scrape shows it. */
  static Set<String> campaignSeries() {
    Set<String> names = new TreeSet<>(GAUGES.values());
    names.add(STEPS);
    names.add(STATUS);
    return names;
  }

  CompletionStage<HttpResponse> scrape() {
    return AskPattern.<Coordinator.Command, Coordinator.CampaignList>ask(coordinator, Coordinator.ListCampaigns::new,
            Duration.ofSeconds(10), system.scheduler())
        .thenApply(list -> {
          for (CampaignState.Campaign c : list.campaigns()) {
            holder(STEPS, Tags.of("campaign", c.id()), true)[0] = c.step();
            for (CampaignState.Status s : CampaignState.Status.values()) {
              holder(STATUS, Tags.of("campaign", c.id(), "status", s.name().toLowerCase(Locale.ROOT)), false)[0] =
                  s == c.status() ? 1 : 0;
            }
            GAUGES.forEach((key, name) -> {
              Double v = c.metrics().get(key);
              if (v != null) {
                holder(name, Tags.of("campaign", c.id()), false)[0] = v;
              }
            });
          }
          return HttpResponse.create().withEntity(HttpEntities.create(
              ContentTypes.TEXT_PLAIN_UTF8, registry.scrape()));
        });
  }

  /** The value cell behind one series, registered the first time it is asked for. */
  private double[] holder(String name, Tags tags, boolean counter) {
    return values.computeIfAbsent(name + tags, k -> {
      double[] h = new double[1];
      if (counter) {
        // The name without _total: the Prometheus registry appends it to every counter.
        FunctionCounter.builder(name.substring(0, name.length() - "_total".length()), h, a -> a[0])
            .tags(tags).register(registry);
      } else {
        Gauge.builder(name, h, a -> a[0]).tags(tags).register(registry);
      }
      return h;
    });
  }
}
