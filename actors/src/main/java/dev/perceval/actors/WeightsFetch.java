package dev.perceval.actors;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import dev.perceval.policy.grpo.PolicyWeights;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How a replica gets a published version from the learner, by {@code perceval.transport.bulk}:
 * {@code artery} pulls it in chunks below the frame limit by ask/reply; {@code aeron} opens an
 * {@link AeronBulk} endpoint and asks the learner to push the bytes there. Either way the whole
 * is checked against its sha-256 before anyone uses it.
 */
public final class WeightsFetch {
  private WeightsFetch() {}

  public record Result(PolicyWeights weights, String error) {}

  public static CompletionStage<PolicyWeights> fetch(ActorSystem<?> system, WeightsSource w) {
    if (w.learner() == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("weights v" + w.version() + " have no source"));
    }
    if (w.size() > Integer.MAX_VALUE - 16) {
      return CompletableFuture.failedFuture(new IllegalStateException("weights v" + w.version() + " are too large"));
    }
    if (system.settings().config().getString("perceval.transport.bulk").equals("aeron")) {
      // The host's media driver lives in one node's JVM; when that node is killed, pushes fail
      // until a new driver runs. The weights are still to be had over the cluster's own remoting.
      return viaAeron(system, w).exceptionallyCompose(e -> {
        system.log().warn("weights v{} over aeron failed ({}); fetching them over artery", w.version(),
            WorkerGroup.describe(e));
        return viaArtery(system, w);
      });
    }
    return viaArtery(system, w);
  }

  private static CompletionStage<PolicyWeights> viaArtery(ActorSystem<?> system, WeightsSource w) {
    int chunk = (int) system.settings().config().getBytes("perceval.actors.weights-chunk-bytes").longValue();
    Duration timeout = system.settings().config().getDuration("perceval.actors.shard-timeout");
    byte[] bytes = new byte[(int) w.size()];
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (long offset = 0; offset < w.size(); offset += chunk) {
      final int from = (int) offset;
      final int length = (int) Math.min(chunk, w.size() - offset);
      chain = chain.thenCompose(ignored -> AskPattern.<LearnerActor.Command, LearnerActor.WeightsChunk>ask(w.learner(),
              replyTo -> new LearnerActor.FetchWeights(w.version(), from, length, replyTo), timeout, system.scheduler())
          .thenApply(c -> {
            if (c.error() != null) {
              throw new IllegalStateException(c.error());
            }
            if (c.bytes().length != length) {
              throw new IllegalStateException("chunk at " + from + " has " + c.bytes().length + " bytes, expected " + length);
            }
            System.arraycopy(c.bytes(), 0, bytes, from, length);
            return null;
          }));
    }
    return chain.thenApply(ignored -> {
      PolicyWeights weights = new PolicyWeights(w.version(), bytes, w.sha256());
      weights.verify();
      return weights;
    });
  }

  private static CompletionStage<PolicyWeights> viaAeron(ActorSystem<?> system, WeightsSource w) {
    Duration timeout = system.settings().config().getDuration("perceval.actors.shard-timeout");
    AeronBulk.Receiving receiving;
    try {
      receiving = AeronBulk.get(system).receive(w.version(), (int) w.size(), timeout);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletionStage<LearnerActor.WeightsPushed> pushed = AskPattern.ask(w.learner(),
        replyTo -> new LearnerActor.PushWeights(w.version(), receiving.endpoint(), replyTo), timeout, system.scheduler());
    return pushed.thenCompose(p -> {
      if (p.error() != null) {
        receiving.bytes().cancel(false);
        throw new IllegalStateException(p.error());
      }
      return receiving.bytes();
    }).thenApply(bytes -> {
      PolicyWeights weights = new PolicyWeights(w.version(), bytes, w.sha256());
      weights.verify();
      return weights;
    });
  }
}
