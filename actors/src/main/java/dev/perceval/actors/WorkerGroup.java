package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Ray-style dispatch over the live workers of a service key: shards go round-robin to the
 * workers the Receptionist lists, each ask has a timeout, and results come back in shard order.
 * A shard whose worker times out or leaves the listing (stopped, or its node downed) goes to
 * another worker at once (counted); a worker that answers with an error fails the dispatch,
 * since another would fail the same way. With no worker at all the dispatch waits and says so
 * through {@link #status()}.
 *
 * <p>{@link #dispatch} blocks its caller: it is meant for the campaign controller's own thread,
 * never for an actor.
 */
public final class WorkerGroup<W> {
  /** A worker's answer: {@code error} is null on success. */
  public interface Reply extends CborSerializable {
    String error();
  }

  private final ActorSystem<?> system;
  private final ServiceKey<W> key;
  private final Duration timeout;
  private final AtomicReference<List<ActorRef<W>>> live = new AtomicReference<>(List.of());
  private final AtomicInteger redispatched = new AtomicInteger();
  private final AtomicInteger cursor = new AtomicInteger();
  private volatile String status = "idle";

  public WorkerGroup(ActorSystem<?> system, ServiceKey<W> key, Duration timeout) {
    this.system = system;
    this.key = key;
    this.timeout = timeout;
    system.systemActorOf(listener(key, refs -> live.set(List.copyOf(refs))), "workers-" + key.id()
        + "-" + Integer.toHexString(System.identityHashCode(this)), akka.actor.typed.Props.empty());
  }

  private static <W> Behavior<Receptionist.Listing> listener(ServiceKey<W> key, Consumer<Set<ActorRef<W>>> update) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(key, ctx.getSelf()));
      return Behaviors.receive(Receptionist.Listing.class)
          .onMessage(Receptionist.Listing.class, l -> {
            update.accept(l.getServiceInstances(key));
            return Behaviors.same();
          })
          .build();
    });
  }

  /** The registered workers whose node is reachable, in path order. */
  public List<ActorRef<W>> workers() {
    List<ActorRef<W>> w = new ArrayList<>(live.get());
    w.removeIf(this::unreachable);
    w.sort((a, b) -> a.path().toString().compareTo(b.path().toString()));
    return w;
  }

  /**
   * Whether the failure detector has marked the worker's node unreachable: a killed process is
   * dropped at once, long before the split-brain resolver downs it and the receptionist forgets it.
   */
  private boolean unreachable(ActorRef<W> worker) {
    return nodeUnreachable(system, worker);
  }

  /** Whether {@code ref} lives on another node that the failure detector marks unreachable. */
  static boolean nodeUnreachable(akka.actor.typed.ActorSystem<?> system, ActorRef<?> ref) {
    akka.actor.Address at = ref.path().address();
    return at.hasGlobalScope() && akka.cluster.typed.Cluster.get(system).state().getUnreachable().stream()
        .anyMatch(m -> m.address().equals(at));
  }

  /** The first live worker (in path order), waiting until there is one. */
  public ActorRef<W> first() {
    ActorRef<W> w = awaitWorkers(new HashSet<>()).get(0);
    status = "idle";
    return w;
  }

  /** Shards sent again after a worker timed out or vanished, since this group was made. */
  public int redispatched() {
    return redispatched.get();
  }

  public String status() {
    return status;
  }

  /**
   * Sends every shard to a live worker and returns the replies in shard order. {@code request}
   * builds the worker's message from a shard and the reply address.
   */
  public <S, R extends Reply> List<R> dispatch(List<S> shards, BiFunction<S, ActorRef<R>, W> request) {
    return dispatch(shards, request, () -> false);
  }

  /**
   * As {@link #dispatch(List, BiFunction)}, but gives up with {@link WorkerLost} as soon as
   * {@code abandon} holds, e.g. when the learner the workers fetch weights from is gone.
   */
  public <S, R extends Reply> List<R> dispatch(List<S> shards, BiFunction<S, ActorRef<R>, W> request,
      BooleanSupplier abandon) {
    List<R> results = new ArrayList<>(Collections.nCopies(shards.size(), null));
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < shards.size(); i++) {
      pending.add(i);
    }
    Set<ActorRef<W>> suspects = new HashSet<>();
    while (!pending.isEmpty()) {
      List<ActorRef<W>> workers = awaitWorkers(suspects);
      List<CompletableFuture<R>> calls = new ArrayList<>();
      List<ActorRef<W>> used = new ArrayList<>();
      for (int shard : pending) {
        ActorRef<W> worker = workers.get(Math.floorMod(cursor.getAndIncrement(), workers.size()));
        S payload = shards.get(shard);
        CompletionStage<R> call = AskPattern.ask(worker, replyTo -> request.apply(payload, replyTo), timeout,
            system.scheduler());
        calls.add(call.toCompletableFuture());
        used.add(worker);
      }
      List<Integer> again = new ArrayList<>();
      for (int k = 0; k < calls.size(); k++) {
        int shard = pending.get(k);
        try {
          results.set(shard, answered(reply(calls.get(k), used.get(k), abandon)));
        } catch (ExecutionException e) {
          // Timed out or the worker is gone: another worker takes the shard.
          suspects.add(used.get(k));
          redispatched.incrementAndGet();
          system.log().warn("{}: shard {} failed on {} ({}); re-dispatching", key.id(), shard, used.get(k).path(),
              describe(e));
          again.add(shard);
        }
      }
      pending = again;
    }
    status = "idle";
    return results;
  }

  /**
   * Sends one message to every live worker and waits for their replies. Workers that time out or
   * leave meanwhile are left out; when none answered, it waits for workers and tries again, so a
   * replacement for a dead worker is included. An error reply fails the call.
   */
  public <R extends Reply> List<R> broadcast(java.util.function.Function<ActorRef<R>, W> request,
      BooleanSupplier abandon) {
    Set<ActorRef<W>> silent = new HashSet<>();
    while (true) {
      List<ActorRef<W>> workers = awaitWorkers(silent);
      List<CompletableFuture<R>> calls = new ArrayList<>();
      for (ActorRef<W> w : workers) {
        calls.add(AskPattern.ask(w, request::apply, timeout, system.scheduler()).toCompletableFuture());
      }
      List<R> out = new ArrayList<>();
      for (int k = 0; k < calls.size(); k++) {
        try {
          out.add(answered(reply(calls.get(k), workers.get(k), abandon)));
        } catch (ExecutionException e) {
          silent.add(workers.get(k));
          system.log().warn("{}: {} did not answer a broadcast ({})", key.id(), workers.get(k).path(), describe(e));
        }
      }
      if (!out.isEmpty()) {
        status = "idle";
        return out;
      }
    }
  }

  /**
   * Asks one worker of this group and waits up to {@code within} for its reply. Gives up with
   * {@link WorkerLost} when the ask times out or the worker leaves the group first (its node
   * died or was downed), so a caller can wait for another; an error reply is a {@link WorkerException}.
   */
  public <R extends Reply> R ask(ActorRef<W> worker, java.util.function.Function<ActorRef<R>, W> request,
      Duration within) {
    CompletableFuture<R> call = AskPattern.ask(worker, request::apply, within, system.scheduler()).toCompletableFuture();
    try {
      return answered(reply(call, worker, () -> false));
    } catch (ExecutionException e) {
      throw new WorkerLost(key.id() + " worker " + worker.path() + " did not answer: " + describe(e));
    }
  }

  /** {@code r}, unless the worker answered with an error: the request itself is at fault. */
  private static <R extends Reply> R answered(R r) {
    if (r.error() != null) {
      throw new WorkerException(r.error());
    }
    return r;
  }

  /**
   * The reply to {@code call}, given up at once (as a failure) when {@code worker} leaves the
   * group or its node becomes unreachable, rather than after the whole ask timeout; and with
   * {@link WorkerLost} when {@code abandon} holds.
   */
  private <R> R reply(CompletableFuture<R> call, ActorRef<W> worker, BooleanSupplier abandon)
      throws ExecutionException {
    try {
      while (true) {
        try {
          return call.get(100, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException stillWaiting) {
          if (!workers().contains(worker)) {
            throw new ExecutionException(new IllegalStateException(worker.path() + " left the group or is unreachable"));
          }
          if (abandon.getAsBoolean()) {
            throw new WorkerLost(key.id() + ": given up on " + worker.path() + ", what it depends on is gone");
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + key.id() + " workers", e);
    }
  }

  /** The live workers, preferring ones that have not failed; waits while there are none. */
  private List<ActorRef<W>> awaitWorkers(Set<ActorRef<W>> suspects) {
    long since = System.nanoTime();
    while (true) {
      List<ActorRef<W>> all = workers();
      List<ActorRef<W>> good = new ArrayList<>(all);
      good.removeAll(suspects);
      if (!good.isEmpty()) {
        status = "dispatching to " + good.size() + " " + key.id() + " worker(s)";
        return good;
      }
      if (!all.isEmpty()) {
        suspects.clear();
        continue;
      }
      long waited = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
      String now = "waiting for a " + key.id() + " worker (none registered for " + waited + " s)";
      if (!now.equals(status) && waited % 10 == 0) {
        system.log().warn(now);
      }
      status = now;
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + status, e);
      }
    }
  }

  /** A worker answered with an error: the request itself is at fault, not the worker. */
  public static final class WorkerException extends RuntimeException {
    public WorkerException(String message) {
      super(message);
    }
  }

  /** A worker stopped answering (its process died, its node left, or it timed out): another may succeed. */
  public static final class WorkerLost extends RuntimeException {
    public WorkerLost(String message) {
      super(message);
    }
  }

  /** The innermost message that names a problem. */
  public static String describe(Throwable e) {
    Throwable t = e;
    while ((t.getMessage() == null || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
