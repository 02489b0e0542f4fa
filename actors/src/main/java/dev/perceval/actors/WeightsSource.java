package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import dev.perceval.policy.grpo.WeightsRef;

/**
 * A published policy version and the learner that holds its bytes. Version 0 is the campaign's
 * starting checkpoint, which every node reads from its path and never fetches.
 */
public record WeightsSource(long version, String sha256, long size, ActorRef<LearnerActor.Command> learner)
    implements CborSerializable {
  public static WeightsSource initial() {
    return new WeightsSource(0, "", 0, null);
  }

  public static WeightsSource of(WeightsRef ref, ActorRef<LearnerActor.Command> learner) {
    return new WeightsSource(ref.version(), ref.sha256(), ref.size(), learner);
  }

  public WeightsRef ref() {
    return new WeightsRef(version, sha256, size);
  }
}
