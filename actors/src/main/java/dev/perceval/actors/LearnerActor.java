package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.grpo.Learner;
import dev.perceval.policy.grpo.LocalLearner;
import dev.perceval.policy.grpo.PolicyWeights;
import dev.perceval.policy.grpo.WeightsRef;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.world.World;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The trainable policy of one campaign, its frozen reference and its optimizer, behind messages:
 * {@link Start} builds them (from the starting checkpoint, or from the learner's own checkpoint
 * of a given step when a campaign resumes), {@link Train} runs one step, {@link Publish} makes
 * the current weights fetchable, {@link Checkpoint} writes them to disk.
 */
public final class LearnerActor {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "perceval-learner");

  public interface Command extends CborSerializable {}

  /**
   * @param resumeFrom the checkpoint to continue from, or null to start from the spec's policy
   * @param session the runner's token: later commands must carry it, so a runner that has been
   *     superseded (its coordinator moved or restarted) cannot touch the new one's state
   */
  public record Start(String spec, String resumeFrom, String session, ActorRef<Started> replyTo) implements Command {}

  public record Started(long version, String error) implements WorkerGroup.Reply {}

  public record Train(String session, long step, List<Learner.Sample> batch, ActorRef<Trained> replyTo)
      implements Command {}

  public record Trained(long version, Map<String, Double> metrics, String error) implements WorkerGroup.Reply {}

  public record Publish(String session, ActorRef<Published> replyTo) implements Command {}

  public record Published(WeightsRef weights, String error) implements WorkerGroup.Reply {}

  public record FetchWeights(long version, int offset, int length, ActorRef<WeightsChunk> replyTo) implements Command {}

  public record WeightsChunk(long version, int offset, byte[] bytes, String error) implements WorkerGroup.Reply {}

  /** The aeron bulk path: push a published version to a receiver's endpoint. */
  public record PushWeights(long version, AeronBulk.Endpoint to, ActorRef<WeightsPushed> replyTo) implements Command {}

  public record WeightsPushed(long version, String error) implements WorkerGroup.Reply {}

  public record Checkpoint(String session, long step, ActorRef<CheckpointWritten> replyTo) implements Command {}

  public record CheckpointWritten(String path, String error) implements WorkerGroup.Reply {}

  public static Behavior<Command> create(ModelSource source) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      return new LearnerActor(source, ctx.getSystem()).idle();
    });
  }

  private final ModelSource source;
  private LocalLearner learner;
  private PolicyWeights published;
  private String session;

  private final ActorSystem<?> system;

  private LearnerActor(ModelSource source, ActorSystem<?> system) {
    this.source = source;
    this.system = system;
  }

  private Behavior<Command> idle() {
    return Behaviors.receive(Command.class)
        .onMessage(Start.class, this::onStart)
        .onMessage(Train.class, t -> {
          t.replyTo().tell(new Trained(-1, Map.of(), "the learner has no campaign (send Start first)"));
          return Behaviors.same();
        })
        .onMessage(Publish.class, p -> {
          p.replyTo().tell(new Published(null, "the learner has no campaign"));
          return Behaviors.same();
        })
        .onMessage(FetchWeights.class, this::onFetch)
        .onMessage(PushWeights.class, this::onPush)
        .onMessage(Checkpoint.class, c -> {
          c.replyTo().tell(new CheckpointWritten(null, "the learner has no campaign"));
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> release())
        .build();
  }

  private Behavior<Command> onStart(Start s) {
    release();
    try {
      CampaignSpec spec = CampaignSpec.parse(s.spec());
      ModelCheckpoint.Header policy = source.header(spec.policy(), "policy");
      World world = source.world(spec.data().world(), policy.imageSize(), spec.data().families());
      learner = LocalLearner.open(spec, s.resumeFrom() != null ? Path.of(s.resumeFrom()) : null, world,
          source.device());
      session = s.session();
      s.replyTo().tell(new Started(learner.version(), null));
      return running();
    } catch (RuntimeException e) {
      release();
      s.replyTo().tell(new Started(-1, WorkerGroup.describe(e)));
      return idle();
    }
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(Start.class, this::onStart)
        .onMessage(Train.class, t -> {
          if (!t.session().equals(session)) {
            t.replyTo().tell(new Trained(-1, Map.of(), superseded(t.session())));
            return Behaviors.same();
          }
          try {
            Learner.Result r = learner.train(t.step(), t.batch());
            t.replyTo().tell(new Trained(r.version(), r.metrics(), null));
          } catch (RuntimeException e) {
            t.replyTo().tell(new Trained(-1, Map.of(), WorkerGroup.describe(e)));
          }
          return Behaviors.same();
        })
        .onMessage(Publish.class, p -> {
          if (!p.session().equals(session)) {
            p.replyTo().tell(new Published(null, superseded(p.session())));
            return Behaviors.same();
          }
          WeightsRef ref = learner.publish();
          published = learner.weights(ref);
          p.replyTo().tell(new Published(ref, null));
          return Behaviors.same();
        })
        .onMessage(FetchWeights.class, this::onFetch)
        .onMessage(PushWeights.class, this::onPush)
        .onMessage(Checkpoint.class, c -> {
          if (!c.session().equals(session)) {
            c.replyTo().tell(new CheckpointWritten(null, superseded(c.session())));
            return Behaviors.same();
          }
          try {
            Path dir = learner.checkpoint(c.step());
            c.replyTo().tell(new CheckpointWritten(dir.toString(), null));
          } catch (RuntimeException e) {
            c.replyTo().tell(new CheckpointWritten(null, WorkerGroup.describe(e)));
          }
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> release())
        .build();
  }

  private String superseded(String stale) {
    return "runner " + stale + " has been superseded by runner " + session;
  }

  private Behavior<Command> onFetch(FetchWeights f) {
    if (published == null || published.version() != f.version()) {
      f.replyTo().tell(new WeightsChunk(f.version(), f.offset(), new byte[0], "weights v" + f.version()
          + " are not published here" + (published == null ? "" : " (latest is v" + published.version() + ")")));
    } else if (f.offset() < 0 || f.length() < 0 || f.offset() + (long) f.length() > published.bytes().length) {
      f.replyTo().tell(new WeightsChunk(f.version(), f.offset(), new byte[0], "chunk [" + f.offset() + ", "
          + (f.offset() + (long) f.length()) + ") is outside the " + published.bytes().length + " bytes of v" + f.version()));
    } else {
      f.replyTo().tell(new WeightsChunk(f.version(), f.offset(),
          Arrays.copyOfRange(published.bytes(), f.offset(), f.offset() + f.length()), null));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onPush(PushWeights p) {
    if (published == null || published.version() != p.version()) {
      p.replyTo().tell(new WeightsPushed(p.version(), "weights v" + p.version() + " are not published here"
          + (published == null ? "" : " (latest is v" + published.version() + ")")));
      return Behaviors.same();
    }
    AeronBulk.get(system).send(p.to(), p.version(), published.bytes(),
            system.settings().config().getDuration("perceval.actors.shard-timeout"))
        .whenComplete((ok, failure) -> p.replyTo().tell(new WeightsPushed(p.version(),
            failure == null ? null : WorkerGroup.describe(failure))));
    return Behaviors.same();
  }

  private Behavior<Command> release() {
    if (learner != null) {
      learner.close();
      learner = null;
    }
    published = null;
    session = null;
    return Behaviors.same();
  }
}
