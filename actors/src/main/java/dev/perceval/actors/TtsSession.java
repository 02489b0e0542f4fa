package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.SignalHandler;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.prm.FlaggedClaim;
import dev.perceval.tts.Round;
import dev.perceval.tts.TtsResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One test-time scaling request, event-sourced. Its strategy runs on a {@link TtsRunner} thread
 * whose every policy and verifier call is journaled ({@link Called}) before the strategy sees the
 * result. A session that restarts, here or on another node, replays those calls to its strategy
 * (which is deterministic given them) and goes on live from the first call not journaled: no
 * round is lost or paid for twice. The final answer stays queryable by id.
 */
public final class TtsSession extends EventSourcedBehavior<TtsSession.Command, TtsSession.Event, TtsSession.State> {
  /** Sessions are sharded by request id over the nodes with the {@code tts} role. */
  public static final akka.cluster.sharding.typed.javadsl.EntityTypeKey<Command> TYPE =
      akka.cluster.sharding.typed.javadsl.EntityTypeKey.create(Command.class, "tts-session");

  public interface Command extends CborSerializable {}

  /**
   * What to answer and how. The question is a world task when {@code taskId} is set, else the
   * image (the policy's size, as float32 bytes: decoded once, where the request arrived) and the
   * question text.
   */
  public record Request(String policy, String verifier, String world, String taskId, byte[] image, String question,
      String strategy, int k, long seed, SamplingParams params) implements CborSerializable {}

  public record Start(Request request, ActorRef<Status> replyTo) implements Command {}

  public record Get(ActorRef<Status> replyTo) implements Command {}

  /** {@code state}: none, running, done or failed; {@code calls}: policy and verifier calls journaled. */
  public record Status(String id, String state, Request request, int calls, TtsResult result, String error)
      implements CborSerializable {}

  /** From the runner: journal one call's outcome, then acknowledge. */
  public record Record(Call call, ActorRef<Recorded> replyTo) implements Command {}

  public record Recorded(int index) implements CborSerializable {}

  public record Finish(TtsResult result, String error) implements Command {}

  /**
   * From the runner: the strategy made its {@code index}-th round. Rounds are kept in memory only,
   * for {@link WatchRounds}: a restarted session hears them again as its runner replays the tape.
   */
  public record RoundMade(int index, Round round) implements Command {}

  /**
   * Asks for the rounds from {@code from} on; answered as soon as there is one or the session has
   * ended, so a caller that asks again after each answer sees every round once, as it is made.
   */
  public record WatchRounds(int from, ActorRef<Progress> replyTo) implements Command {}

  /** The answer to {@link WatchRounds}. */
  public sealed interface Progress extends CborSerializable permits Rounds, Ended {}

  /** Rounds {@code from}, {@code from + 1}, ... of a running session. */
  public record Rounds(int from, List<Round> rounds) implements Progress {}

  /** The session is not running (ended, or never started): its status holds every round it made. */
  public record Ended(Status status) implements Progress {}

  /** The idle timer: an ended session not asked about for a while leaves memory (its journal stays). */
  private record Idle() implements Command {}

  /** A policy call's generations or a verifier call's flags (the other is null). */
  public record Call(List<Generation> generations, List<List<FlaggedClaim>> flagged) implements CborSerializable {}

  public interface Event extends CborSerializable {}

  public record Started(Request request) implements Event {}

  public record Called(Call call) implements Event {}

  public record Answered(TtsResult result) implements Event {}

  public record Failed(String error) implements Event {}

  public record State(Request request, List<Call> tape, TtsResult result, String error) implements CborSerializable {
    static final State EMPTY = new State(null, List.of(), null, null);

    String name() {
      return request == null ? "none" : result != null ? "done" : error != null ? "failed" : "running";
    }

    State apply(Event e) {
      if (e instanceof Started s) {
        return new State(s.request(), List.of(), null, null);
      }
      if (e instanceof Called c) {
        List<Call> t = new ArrayList<>(tape);
        t.add(c.call());
        return new State(request, List.copyOf(t), null, null);
      }
      if (e instanceof Answered a) {
        return new State(request, tape, a.result(), null);
      }
      return new State(request, tape, null, ((Failed) e).error());
    }
  }

  private final String id;
  private final ActorContext<Command> ctx;
  private final TtsRunner.Workers workers;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final TimerScheduler<Command> timers;
  private final Duration idle;
  private TtsRunner runner;
  private final List<Round> rounds = new ArrayList<>();
  private final List<WatchRounds> watchers = new ArrayList<>();

  /** A session outside sharding: it stays until stopped. */
  public static Behavior<Command> create(String id, TtsRunner.Workers workers) {
    return create(id, workers, null, null);
  }

  /**
   * A sharded session. Asked about an id never started, it answers none and passivates at once,
   * so a stray id is not remembered; once ended, it passivates after {@code idle} without a
   * question (a later one recovers it from the journal). A running session never passivates:
   * remembered, it restarts wherever its shard goes.
   */
  public static Behavior<Command> create(String id, TtsRunner.Workers workers,
      ActorRef<ClusterSharding.ShardCommand> shard, Duration idle) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new TtsSession(id, ctx, workers, shard, timers, idle)));
  }

  private TtsSession(String id, ActorContext<Command> ctx, TtsRunner.Workers workers,
      ActorRef<ClusterSharding.ShardCommand> shard, TimerScheduler<Command> timers, Duration idle) {
    // A journal failure restarts the session, which replays its journaled calls and goes on live.
    super(PersistenceId.of("tts", id), JournalBackoff.of(ctx.getSystem().settings().config()));
    this.id = id;
    this.ctx = ctx;
    this.workers = workers;
    this.shard = shard;
    this.timers = timers;
    this.idle = idle;
  }

  private void passivate() {
    if (shard != null) {
      shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
    }
  }

  private void idleFromNow() {
    if (shard != null) {
      timers.startSingleTimer("idle", new Idle(), idle);
    }
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return (state, event) -> state.apply(event);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          if (state.name().equals("running")) {
            startRunner(state);
          } else if (state.request() != null) {
            idleFromNow();
          }
        })
        .onSignal(PostStop.instance(), state -> stopRunner())
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Start.class, (state, c) -> {
          if (state.request() != null) {
            // Idempotent by id: a repeated request gets the session as it stands.
            return Effect().reply(c.replyTo(), status(state));
          }
          return Effect().persist(new Started(c.request()))
              .thenRun(this::startRunner)
              .thenReply(c.replyTo(), this::status);
        })
        .onCommand(Get.class, (state, c) -> {
          if (state.request() == null) {
            passivate();
          } else if (!state.name().equals("running")) {
            idleFromNow();
          }
          return Effect().reply(c.replyTo(), status(state));
        })
        .onCommand(Idle.class, (state, c) -> {
          if (!state.name().equals("running")) {
            passivate();
          }
          return Effect().none();
        })
        .onCommand(Record.class, (state, c) -> {
          if (!state.name().equals("running")) {
            return Effect().none();
          }
          return Effect().persist(new Called(c.call()))
              .thenReply(c.replyTo(), s -> new Recorded(s.tape().size() - 1));
        })
        .onCommand(Finish.class, (state, c) -> {
          if (!state.name().equals("running")) {
            return Effect().none();
          }
          return Effect().persist(c.error() == null ? new Answered(c.result()) : new Failed(c.error()))
              .thenRun(s -> {
                stopRunner();
                idleFromNow();
                rounds.clear();
                watchers.forEach(w -> w.replyTo().tell(new Ended(status(s))));
                watchers.clear();
              });
        })
        .onCommand(RoundMade.class, (state, c) -> {
          // A replayed or stale report of a round already held changes nothing.
          if (state.name().equals("running") && c.index() == rounds.size()) {
            rounds.add(c.round());
            watchers.removeIf(w -> {
              boolean answered = w.from() < rounds.size();
              if (answered) {
                w.replyTo().tell(roundsFrom(w.from()));
              }
              return answered;
            });
          }
          return Effect().none();
        })
        .onCommand(WatchRounds.class, (state, c) -> {
          if (!state.name().equals("running")) {
            if (state.request() == null) {
              passivate();
            } else {
              idleFromNow();
            }
            return Effect().reply(c.replyTo(), new Ended(status(state)));
          }
          if (Math.max(0, c.from()) < rounds.size()) {
            return Effect().reply(c.replyTo(), roundsFrom(c.from()));
          }
          watchers.add(c);
          return Effect().none();
        })
        .build();
  }

  private Rounds roundsFrom(int from) {
    int start = Math.max(0, from);
    return new Rounds(start, List.copyOf(rounds.subList(start, rounds.size())));
  }

  private Status status(State s) {
    return new Status(id, s.name(), s.request(), s.tape().size(), s.result(), s.error());
  }

  private void startRunner(State state) {
    stopRunner();
    runner = new TtsRunner(ctx.getSystem(), ctx.getSelf(), workers, state.request(), state.tape());
    runner.start();
  }

  private void stopRunner() {
    if (runner != null) {
      runner.stop();
      runner = null;
    }
  }
}
