package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import dev.perceval.policy.grpo.LocalSamplerGroup;
import dev.perceval.policy.grpo.Rollout;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.sampling.Sampler;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import dev.perceval.tts.TtsStrategy;
import java.util.List;

/**
 * A policy replica pinned to one device. It answers {@link Sample} with rollouts of exactly the
 * weights version the request names: if it holds another, it first fetches that version's bytes
 * from the learner, checks their sha-256 and loads them, stashing requests meanwhile.
 *
 * <pre>
 *   idle --Sample/LoadWeights(models c, v)--> [load c's checkpoint] --v > 0--> fetching --> ready(c, v)
 * </pre>
 */
public final class SamplerActor {
  /** Every sampler of the cluster; {@link #deviceKey} narrows to one kind of device. */
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "perceval-sampler");

  public static ServiceKey<Command> deviceKey(String device) {
    return ServiceKey.create(Command.class, "perceval-sampler@" + device);
  }

  public interface Command extends CborSerializable {}

  /** A request that needs a replica of the named policy at a given weights version. */
  public sealed interface NeedsWeights extends Command {
    ModelSource.Models models();

    WeightsSource weights();

    /** Answers with the reason the replica could not be made ready. */
    void fail(long version, String sampler, String error);
  }

  /** G rollouts of each prompt with the weights {@code weights} names (version 0: the checkpoint itself). */
  public record Sample(ModelSource.Models models, WeightsSource weights, List<TaskId> prompts, int groupSize,
      long seed, SamplingParams params, ActorRef<Sampled> replyTo) implements NeedsWeights {
    @Override
    public void fail(long version, String sampler, String error) {
      replyTo.tell(new Sampled(List.of(), version, sampler, error));
    }
  }

  /** The rollouts, or the reason there are none. */
  public record Sampled(List<Rollout> rollouts, long version, String sampler, String error)
      implements WorkerGroup.Reply {}

  /**
   * Continue one question from each of several response prefixes (test-time scaling): row r
   * decodes from {@code prompt + prefixes[r]} with {@code seeds[r]}. The image travels as float32
   * little-endian bytes ({@link ImageBytes}); the generations hold only the new tokens.
   */
  public record Continue(ModelSource.Models models, WeightsSource weights, byte[] image, int[] prompt,
      List<int[]> prefixes, long[] seeds, SamplingParams params, ActorRef<Continued> replyTo) implements NeedsWeights {
    @Override
    public void fail(long version, String sampler, String error) {
      replyTo.tell(new Continued(List.of(), version, sampler, error));
    }
  }

  public record Continued(List<Generation> generations, long version, String sampler, String error)
      implements WorkerGroup.Reply {}

  /** Fetch and load a version ahead of sampling. */
  public record LoadWeights(ModelSource.Models models, WeightsSource weights, ActorRef<WeightsLoaded> replyTo)
      implements NeedsWeights {
    @Override
    public void fail(long version, String sampler, String error) {
      replyTo.tell(new WeightsLoaded(version, sampler, error));
    }
  }

  public record WeightsLoaded(long version, String sampler, String error) implements WorkerGroup.Reply {}

  /** The end of fetch number {@code fetch}; one of an earlier fetch is stale. */
  private record Fetched(long fetch, WeightsFetch.Result result) implements Command {}

  /** To itself during fetch number {@code fetch}: whether the learner serving it is still there. */
  private record CheckLearner(long fetch) implements Command {}

  /** How often a fetch looks at the learner's node, so a dead one costs seconds, not the ask's timeout. */
  private static final java.time.Duration CHECK_LEARNER_EVERY = java.time.Duration.ofSeconds(1);


  public static Behavior<Command> create(ModelSource source, String device) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      ctx.getSystem().receptionist().tell(Receptionist.register(deviceKey(device), ctx.getSelf()));
      return Behaviors.withStash(256, stash -> new SamplerActor(ctx, stash, source, device).idle());
    });
  }

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final ModelSource source;
  private final String name;
  private ModelSource.Models models;
  private ModelCheckpoint.Loaded loaded;
  private World world;
  private long version = -1;
  /** Fetches started so far: tells a fetch's own messages from those of one it gave up on. */
  private long fetches;
  /** The weights whose last fetch failed, and why: requests for them are answered with the reason. */
  private WeightsSource unavailable;
  private String unavailableWhy;

  private SamplerActor(ActorContext<Command> ctx, StashBuffer<Command> stash, ModelSource source, String device) {
    this.ctx = ctx;
    this.stash = stash;
    this.source = source;
    this.name = ctx.getSelf().path().name() + "@" + device;
  }

  private Behavior<Command> idle() {
    return Behaviors.receive(Command.class)
        .onMessage(Sample.class, this::onSample)
        .onMessage(Continue.class, this::onContinue)
        .onMessage(LoadWeights.class, this::onLoad)
        .onSignal(akka.actor.typed.PostStop.class, s -> close())
        .build();
  }

  /**
   * Null when the replica is ready for {@code r}; otherwise the behaviour to go on with: the
   * same one after answering {@code r} with an error, or fetching with {@code r} stashed.
   */
  private Behavior<Command> notReady(NeedsWeights r) {
    String error = prepare(r.models(), r.weights().version());
    if (error != null) {
      r.fail(version, name, error);
      return Behaviors.same();
    }
    if (r.weights().version() != version) {
      if (r.weights().equals(unavailable)) {
        r.fail(version, name, unavailableWhy);
        return Behaviors.same();
      }
      stash.stash(r);
      return fetching(r.weights());
    }
    return null;
  }

  private Behavior<Command> onSample(Sample s) {
    Behavior<Command> waiting = notReady(s);
    if (waiting != null) {
      return waiting;
    }
    try {
      Torch.noGrad();
      Tokenizer tok = loaded.tokenizer();
      List<Rollout> out = LocalSamplerGroup.sample(loaded.model(), tok, world::task, models.microBatch(), version, s.prompts(),
          s.groupSize(), s.seed(), s.params());
      s.replyTo().tell(new Sampled(out, version, name, null));
    } catch (RuntimeException e) {
      s.replyTo().tell(new Sampled(List.of(), version, name, WorkerGroup.describe(e)));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onContinue(Continue c) {
    Behavior<Command> waiting = notReady(c);
    if (waiting != null) {
      return waiting;
    }
    try {
      Torch.noGrad();
      float[] image = ImageBytes.decode(c.image());
      int rows = c.prefixes().size();
      float[][] images = new float[rows][];
      int[][] prompts = new int[rows][];
      if (c.seeds().length != rows) {
        throw new IllegalArgumentException(rows + " prefixes but " + c.seeds().length + " seeds");
      }
      for (int r = 0; r < rows; r++) {
        images[r] = image;
        prompts[r] = TtsStrategy.concat(c.prompt(), c.prefixes().get(r));
      }
      List<Generation> out = Sampler.generate(loaded.model(), loaded.tokenizer().stop(), images, prompts, c.seeds(),
          c.params());
      c.replyTo().tell(new Continued(out, version, name, null));
    } catch (RuntimeException e) {
      c.replyTo().tell(new Continued(List.of(), version, name, WorkerGroup.describe(e)));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onLoad(LoadWeights l) {
    Behavior<Command> waiting = notReady(l);
    if (waiting != null) {
      return waiting;
    }
    l.replyTo().tell(new WeightsLoaded(version, name, null));
    return Behaviors.same();
  }

  /**
   * Loads the policy checkpoint when the named models change, or when version 0 is asked for
   * again (a campaign resumed before its first checkpoint starts over from it); returns an error
   * or null.
   */
  private String prepare(ModelSource.Models c, long wanted) {
    if (c.equals(models) && (wanted != 0 || version == 0)) {
      return null;
    }
    try {
      close();
      loaded = source.load(c.policy(), "policy");
      world = source.world(c.world(), loaded.model().config().imageSize(), c.families());
      models = c;
      version = 0;
      return null;
    } catch (RuntimeException e) {
      models = null;
      return WorkerGroup.describe(e);
    }
  }

  private Behavior<Command> fetching(WeightsSource w) {
    long fetch = ++fetches;
    ctx.pipeToSelf(WeightsFetch.fetch(ctx.getSystem(), w), (weights, failure) ->
        new Fetched(fetch, new WeightsFetch.Result(weights, failure == null ? null : WorkerGroup.describe(failure))));
    ctx.getSelf().tell(new CheckLearner(fetch));
    // Gone counts only after the learner's node was seen up and reachable during this fetch: a
    // learner restarted on its old address joins while the old one is still listed unreachable.
    boolean[] seenUp = {false};
    return Behaviors.receive(Command.class)
        .onMessage(Fetched.class, f -> f.fetch() != fetch ? Behaviors.same() : fetched(w, f.result()))
        .onMessage(CheckLearner.class, c -> {
          if (c.fetch() != fetch) {
            return Behaviors.same();
          }
          String gone = learnerGone(w);
          if (gone == null) {
            seenUp[0] = true;
          } else if (seenUp[0]) {
            return fetched(w, new WeightsFetch.Result(null, gone));
          }
          ctx.scheduleOnce(CHECK_LEARNER_EVERY, ctx.getSelf(), c);
          return Behaviors.same();
        })
        .onMessage(Command.class, m -> {
          stash.stash(m);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> fetched(WeightsSource w, WeightsFetch.Result result) {
    String error = result.error();
    if (error == null) {
      try {
        loaded.model().load(result.weights().tensors());
        version = result.weights().version();
      } catch (RuntimeException e) {
        error = WorkerGroup.describe(e);
      }
    }
    if (error != null) {
      unavailableWhy = "sampler " + name + ": weights v" + w.version() + ": " + error;
      unavailable = w;
      ctx.getLog().warn(unavailableWhy);
      // Requests waiting on these weights get the reason, not a hang; requests that name
      // other weights (a new learner's, after the old one died mid-fetch) fetch those.
      return stash.unstashAll(idle());
    }
    unavailable = null;
    return stash.unstashAll(idle());
  }

  /**
   * Why the learner serving {@code w} is gone (its node unreachable, as a killed process is, or
   * no longer a member), or null while it may still answer.
   */
  private String learnerGone(WeightsSource w) {
    akka.actor.Address at = w.learner().path().address();
    if (!at.hasGlobalScope()) {
      return null;
    }
    if (WorkerGroup.nodeUnreachable(ctx.getSystem(), w.learner())) {
      return "the learner's node " + at + " is unreachable";
    }
    boolean member = java.util.stream.StreamSupport.stream(
            akka.cluster.typed.Cluster.get(ctx.getSystem()).state().getMembers().spliterator(), false)
        .anyMatch(m -> m.address().equals(at));
    return member ? null : "the learner's node " + at + " is not a cluster member";
  }

  private Behavior<Command> close() {
    if (loaded != null) {
      loaded.model().close();
      loaded = null;
    }
    return Behaviors.same();
  }
}
