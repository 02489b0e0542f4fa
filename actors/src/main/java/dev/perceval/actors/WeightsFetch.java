package dev.perceval.actors;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import dev.perceval.policy.grpo.PolicyWeights;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The Artery bulk path: a replica pulls a published version from the learner in chunks below
 * the frame limit, then checks the whole against its sha-256.
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
}
