package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import com.typesafe.config.ConfigUtil;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.io.CheckpointException;
import dev.perceval.policy.io.DataRoot;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.prm.Verifiers;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs training campaigns, one at a time, in submission order; a cluster singleton on
 * coordinator nodes. Every change is an event in the journal (snapshots every N events), so a
 * coordinator that restarts, here or on another node, picks the running campaign up after its
 * last journaled step. A journal that fails a write or a replay restarts it with backoff
 * ({@code perceval.actors.journal}); meanwhile it answers nothing (its messages wait), so
 * {@link #ready} says no, and the campaign's runner waits for its step to be journaled.
 */
public final class Coordinator extends EventSourcedBehavior<Coordinator.Command, CampaignEvents.Event, CampaignState> {
  public interface Command extends CborSerializable {}

  /** @param spec HOCON or JSON; validated before anything is journaled */
  public record Submit(String spec, ActorRef<Accepted> replyTo) implements Command {}

  public record Accepted(String id, String error) implements CborSerializable {}

  public record GetStatus(String id, ActorRef<StatusReply> replyTo) implements Command {}

  /** {@code campaign} is null when the id is unknown. */
  public record StatusReply(CampaignState.Campaign campaign, String phase) implements CborSerializable {}

  public record ListCampaigns(ActorRef<CampaignList> replyTo) implements Command {}

  public record CampaignList(java.util.List<CampaignState.Campaign> campaigns) implements CborSerializable {}

  public enum Action { PAUSE, RESUME, CANCEL }

  public record Control(String id, Action action, ActorRef<ControlReply> replyTo) implements Command {}

  /** {@code found} false: no such campaign; {@code error}: the action does not apply to its status. */
  public record ControlReply(boolean found, CampaignState.Status status, String error) implements CborSerializable {}

  /**
   * From a runner: step {@code step} is done, and {@code checkpoint} written after it (null if
   * none); the reply comes once it is journaled.
   */
  public record StepDone(String id, long step, Map<String, Double> metrics, String checkpoint,
      ActorRef<Journaled> replyTo) implements Command {}

  /** {@code error}: the step was not journaled (its runner is not the current one). */
  public record Journaled(long step, String error) implements CborSerializable {}

  /** From a runner: it has stopped, on request or because of {@code error}, or because it finished. */
  public record RunnerEnded(String id, String error, boolean onRequest) implements Command {}

  /** Answered once the journal has been read, and not while the coordinator restarts after a journal failure. */
  public record Ping(ActorRef<Pong> replyTo) implements Command {}

  public record Pong() implements CborSerializable {}

  /** To itself: journal that a runner took the campaign up. */
  private record Begin(String id, long from) implements Command {}

  public static final String PERSISTENCE_ID = "perceval-coordinator";

  /** @param root where the paths of submitted specs must lie */
  public static Behavior<Command> create(ModelSource source, CampaignRunner.Workers workers, int snapshotEvery,
      DataRoot root) {
    return Behaviors.setup(ctx -> new Coordinator(ctx, source, workers, snapshotEvery, root));
  }

  /** Whether {@code coordinator} (a singleton proxy, say) answers within {@code timeout}. */
  public static java.util.concurrent.CompletionStage<Boolean> ready(ActorRef<Command> coordinator,
      akka.actor.typed.ActorSystem<?> system, java.time.Duration timeout) {
    return akka.actor.typed.javadsl.AskPattern.<Command, Pong>ask(coordinator, Ping::new, timeout, system.scheduler())
        .handle((pong, error) -> error == null);
  }

  private final ActorContext<Command> ctx;
  private final ModelSource source;
  private final CampaignRunner.Workers workers;
  private final int snapshotEvery;
  private final DataRoot root;
  private CampaignRunner runner;
  private String runnerId;

  private Coordinator(ActorContext<Command> ctx, ModelSource source, CampaignRunner.Workers workers, int snapshotEvery,
      DataRoot root) {
    super(PersistenceId.ofUniqueId(PERSISTENCE_ID), JournalBackoff.of(ctx.getSystem().settings().config()));
    this.ctx = ctx;
    this.source = source;
    this.workers = workers;
    this.snapshotEvery = snapshotEvery;
    this.root = root;
  }

  @Override
  public CampaignState emptyState() {
    return CampaignState.empty();
  }

  @Override
  public EventHandler<CampaignState, CampaignEvents.Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(CampaignState::apply);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
  }

  @Override
  public SignalHandler<CampaignState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::startNext)
        .onSignal(PostStop.class, (state, signal) -> stopRunner())
        .build();
  }

  @Override
  public CommandHandler<Command, CampaignEvents.Event, CampaignState> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Submit.class, this::onSubmit)
        .onCommand(GetStatus.class, (state, c) -> {
          CampaignState.Campaign campaign = state.campaigns().get(c.id());
          String phase = campaign != null && c.id().equals(runnerId) && runner != null ? runner.phase() : null;
          c.replyTo().tell(new StatusReply(campaign, phase));
          return Effect().none();
        })
        .onCommand(Ping.class, (state, c) -> {
          c.replyTo().tell(new Pong());
          return Effect().none();
        })
        .onCommand(Control.class, this::onControl)
        .onCommand(ListCampaigns.class, (state, c) -> {
          c.replyTo().tell(new CampaignList(state.order().stream().map(state.campaigns()::get).toList()));
          return Effect().none();
        })
        .onCommand(StepDone.class, (state, c) -> {
          CampaignState.Campaign campaign = state.campaigns().get(c.id());
          if (!c.id().equals(runnerId) || campaign == null || c.step() > campaign.step() + 1) {
            c.replyTo().tell(new Journaled(c.step(), "step " + c.step() + " of " + c.id() + " is not the next one"
                + " of the current runner"));
            return Effect().none();
          }
          if (c.step() <= campaign.step()) {
            // Run again after a resume from an earlier checkpoint: journaled already, same numbers.
            c.replyTo().tell(new Journaled(c.step(), null));
            return Effect().none();
          }
          return Effect().persist(new CampaignEvents.StepCompleted(c.id(), c.step(), c.metrics(), c.checkpoint()))
              .thenReply(c.replyTo(), s -> new Journaled(c.step(), null));
        })
        .onCommand(RunnerEnded.class, this::onRunnerEnded)
        .onCommand(Begin.class, (state, c) -> {
          CampaignState.Campaign campaign = state.campaigns().get(c.id());
          return campaign != null && campaign.status() == CampaignState.Status.QUEUED
              ? Effect().persist(new CampaignEvents.Started(c.id(), c.from())) : Effect().none();
        })
        .build();
  }

  private Effect<CampaignEvents.Event, CampaignState> onSubmit(CampaignState state, Submit c) {
    CampaignSpec spec;
    String id;
    try {
      CampaignSpec parsed = CampaignSpec.parse(c.spec());
      id = String.format("c%04d-%s", state.submitted() + 1, parsed.name());
      spec = underRoot(parsed.keyedBy(id), root);
      // Refused now rather than failing later on a worker: every node reads these paths, and a
      // checkpoint's header (its kind, config and tokenizer) is read without its weights.
      ModelCheckpoint.header(Path.of(spec.policy()), "policy");
      if (!spec.verifier().isEmpty()) {
        Verifiers.requireReadable(spec.verifier());
      }
    } catch (IllegalArgumentException | CheckpointException e) {
      c.replyTo().tell(new Accepted(null, e.getMessage()));
      return Effect().none();
    }
    return Effect().persist(new CampaignEvents.Submitted(id, spec.render(), System.currentTimeMillis()))
        .thenRun(this::startNext)
        .thenReply(c.replyTo(), s -> new Accepted(id, null));
  }

  /**
   * The spec with its paths made absolute under {@code root}: every node reads the same files, and
   * a spec cannot make a node read or write outside its data root.
   */
  static CampaignSpec underRoot(CampaignSpec spec, DataRoot root) {
    Map<String, String> paths = new LinkedHashMap<>();
    paths.put("policy", ConfigUtil.quoteString(root.resolve("policy", spec.policy())));
    paths.put("verifier", ConfigUtil.quoteString(Verifiers.underRoot(spec.verifier(), root)));
    // keyedBy has filled a blank out with runs/<id>.
    paths.put("out", ConfigUtil.quoteString(root.resolve("out", spec.outDir().toString())));
    return spec.with(paths);
  }

  private Effect<CampaignEvents.Event, CampaignState> onControl(CampaignState state, Control c) {
    CampaignState.Campaign campaign = state.campaigns().get(c.id());
    if (campaign == null) {
      c.replyTo().tell(new ControlReply(false, null, "no campaign '" + c.id() + "'"));
      return Effect().none();
    }
    CampaignState.Status st = campaign.status();
    CampaignEvents.Event event = switch (c.action()) {
      case PAUSE -> st == CampaignState.Status.RUNNING || st == CampaignState.Status.QUEUED
          ? new CampaignEvents.Paused(c.id()) : null;
      // A failed campaign may be resumed too, from its last journaled checkpoint, once what failed it is fixed.
      case RESUME -> st == CampaignState.Status.PAUSED || st == CampaignState.Status.FAILED
          ? new CampaignEvents.Resumed(c.id()) : null;
      case CANCEL -> !campaign.finished() ? new CampaignEvents.Cancelled(c.id()) : null;
    };
    if (event == null) {
      c.replyTo().tell(new ControlReply(true, st, "cannot " + c.action().name().toLowerCase() + " a campaign that is "
          + st.name().toLowerCase()));
      return Effect().none();
    }
    return Effect().persist(event).thenRun(s -> {
      if (c.id().equals(runnerId) && c.action() != Action.RESUME) {
        runner.requestStop();
      }
      startNext(s);
    }).thenReply(c.replyTo(), s -> new ControlReply(true, s.campaigns().get(c.id()).status(), null));
  }

  private Effect<CampaignEvents.Event, CampaignState> onRunnerEnded(CampaignState state, RunnerEnded c) {
    if (!c.id().equals(runnerId)) {
      return Effect().none();
    }
    runner = null;
    runnerId = null;
    CampaignState.Campaign campaign = state.campaigns().get(c.id());
    if (c.error() != null && campaign.status() == CampaignState.Status.RUNNING) {
      return Effect().persist(new CampaignEvents.Failed(c.id(), c.error())).thenRun(this::startNext);
    }
    if (!c.onRequest() && campaign.status() == CampaignState.Status.RUNNING) {
      return Effect().persist(new CampaignEvents.Completed(c.id())).thenRun(this::startNext);
    }
    return Effect().none().thenRun(this::startNext);
  }

  /**
   * Starts a runner for the campaign that should run, unless one is running, and journals that
   * it took the campaign up. A runner outlives a restart after a journal failure (its steps wait
   * to be journaled), so its Started is asked for again when the failed write was that one.
   */
  private void startNext(CampaignState state) {
    CampaignState.Campaign current = runner == null ? state.next() : state.campaigns().get(runnerId);
    if (current == null) {
      return;
    }
    if (current.status() == CampaignState.Status.QUEUED) {
      ctx.getSelf().tell(new Begin(current.id(), current.step()));
    }
    if (runner == null) {
      runnerId = current.id();
      runner = new CampaignRunner(ctx.getSystem(), ctx.getSelf(), workers, source, current.id(),
          CampaignSpec.parse(current.spec()), current.step(), current.step() > 0 ? current.checkpoint() : null);
      Thread t = new Thread(runner, "campaign-" + current.id());
      t.setDaemon(true);
      t.start();
    }
  }

  private void stopRunner() {
    if (runner != null) {
      runner.requestStop();
    }
  }
}
