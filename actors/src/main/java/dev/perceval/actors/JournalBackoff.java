package dev.perceval.actors;

import akka.actor.typed.BackoffSupervisorStrategy;
import akka.actor.typed.SupervisorStrategy;
import com.typesafe.config.Config;

/**
 * What every event-sourced actor here does when the journal fails a write or a replay: restart
 * after {@code perceval.actors.journal.min-backoff}, doubling up to {@code max-backoff}, and read
 * the journal again; messages wait meanwhile. Without it Akka stops the actor for good.
 */
final class JournalBackoff {
  private JournalBackoff() {}

  static BackoffSupervisorStrategy of(Config config) {
    Config c = config.getConfig("perceval.actors.journal");
    return SupervisorStrategy.restartWithBackoff(c.getDuration("min-backoff"), c.getDuration("max-backoff"), 0.2);
  }
}
