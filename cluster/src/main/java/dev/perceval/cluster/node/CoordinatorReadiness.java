package dev.perceval.cluster.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import dev.perceval.actors.Coordinator;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * akka-management's readiness check on coordinator nodes: ready while the coordinator answers,
 * not while it restarts after a journal failure or has not read its journal yet, so a
 * supervisor or load balancer sends no campaign requests to a node that would time out. Other
 * nodes need no coordinator to do their work and are always ready by this check.
 */
public final class CoordinatorReadiness implements Supplier<CompletionStage<Boolean>> {
  private static final Map<akka.actor.ActorSystem, ActorRef<Coordinator.Command>> PROXIES = new ConcurrentHashMap<>();

  private final akka.actor.ActorSystem system;
  private final boolean coordinatorNode;
  private final Duration timeout;

  /** Made by akka-management from {@code akka.management.health-checks.readiness-checks}. */
  public CoordinatorReadiness(akka.actor.ActorSystem system) {
    this.system = system;
    this.coordinatorNode = system.settings().config().getStringList("perceval.node.roles").contains("coordinator");
    // Under the check's own timeout, so a slow answer reads as "not ready" rather than as an error.
    this.timeout = system.settings().config().getDuration("akka.management.health-checks.check-timeout")
        .multipliedBy(4).dividedBy(5);
  }

  /** The coordinator this node's checks ask: its singleton proxy. */
  static void register(akka.actor.typed.ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator) {
    akka.actor.ActorSystem classic = Adapter.toClassic(system);
    PROXIES.put(classic, coordinator);
    system.getWhenTerminated().thenRun(() -> PROXIES.remove(classic));
  }

  @Override
  public CompletionStage<Boolean> get() {
    if (!coordinatorNode) {
      return CompletableFuture.completedFuture(true);
    }
    ActorRef<Coordinator.Command> coordinator = PROXIES.get(system);
    return coordinator == null ? CompletableFuture.completedFuture(false)
        : Coordinator.ready(coordinator, Adapter.toTyped(system), timeout);
  }
}
