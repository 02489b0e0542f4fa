package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.grpo.GrpoLoop;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.World;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Runs one campaign's steps on its own thread: the GRPO loop with actor-backed worker groups and a
 * listener that journals every step (with the checkpoint written after it, if any) before the
 * next one starts. A campaign resumes from its last journaled checkpoint; steps journaled after
 * it are run again, to the same numbers, and not journaled twice. A learner that dies or leaves
 * does not end the campaign: the runner waits for one (with backoff between tries) and goes on
 * from the last journaled checkpoint, the same way.
 */
public final class CampaignRunner implements Runnable {
  /** Shared by every campaign of a coordinator: one receptionist subscription per key. */
  public record Workers(WorkerGroup<SamplerActor.Command> samplers, WorkerGroup<VerifierActor.Command> verifiers,
      WorkerGroup<LearnerActor.Command> learners) {}

  private final ActorSystem<?> system;
  private final ActorRef<Coordinator.Command> coordinator;
  private final Workers workers;
  private final ModelSource source;
  private final String id;
  private final CampaignSpec spec;
  private final long journaled;
  private final String resumeFrom;
  private volatile boolean stop;
  private volatile String phase = "starting";
  private volatile ActorRef<LearnerActor.Command> learnerRef;
  /** A step was journaled since the last retry: the backoff starts over. */
  private boolean progressed;

  CampaignRunner(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Workers workers, ModelSource source,
      String id, CampaignSpec spec, long journaled, String resumeFrom) {
    this.system = system;
    this.coordinator = coordinator;
    this.workers = workers;
    this.source = source;
    this.id = id;
    this.spec = spec;
    this.journaled = journaled;
    this.resumeFrom = resumeFrom;
  }

  /** Stops after the step in progress; the campaign keeps every step journaled so far. */
  void requestStop() {
    stop = true;
  }

  String phase() {
    return phase;
  }

  @Override
  public void run() {
    String error = null;
    long journaledStep = journaled;
    String checkpoint = resumeFrom;
    Duration minBackoff = system.settings().config().getDuration("perceval.actors.retry.min-backoff");
    Duration maxBackoff = system.settings().config().getDuration("perceval.actors.retry.max-backoff");
    Duration backoff = minBackoff;
    while (true) {
      try {
        runSteps(journaledStep, checkpoint);
        break;
      } catch (RuntimeException e) {
        if (stop || !retriable(e)) {
          error = WorkerGroup.describe(e);
          system.log().error("campaign {} failed: {}", id, error);
          break;
        }
        // A lost learner (or a worker that could not reach it) costs the steps since the last
        // journaled checkpoint, never the campaign: wait, then go on from that checkpoint.
        if (progressed) {
          backoff = minBackoff;
          progressed = false;
        }
        phase = "retrying in " + backoff.toSeconds() + " s after: " + WorkerGroup.describe(e);
        system.log().warn("campaign {}: {}", id, phase);
        sleep(backoff);
        backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        CampaignState.Campaign now = journaledState();
        journaledStep = now.step();
        checkpoint = now.step() > 0 ? now.checkpoint() : null;
      }
    }
    coordinator.tell(new Coordinator.RunnerEnded(id, error, stop));
  }

  /**
   * Whether another try may succeed: the learner stopped answering, or a worker's error came
   * while the learner it needed was gone. Anything else (a bad spec, a corrupt checkpoint) would
   * fail again.
   */
  private boolean retriable(RuntimeException e) {
    if (e instanceof WorkerGroup.WorkerLost) {
      return true;
    }
    // A worker's node may see the learner's go unreachable a moment before this one does.
    long until = System.nanoTime()
        + system.settings().config().getDuration("perceval.actors.retry.gone-grace").toNanos();
    while (!learnerGone()) {
      if (System.nanoTime() >= until) {
        return false;
      }
      sleep(Duration.ofMillis(100));
    }
    return true;
  }

  /** The learner left the group or its node is unreachable (a killed process, before it is downed). */
  private boolean learnerGone() {
    ActorRef<LearnerActor.Command> ref = learnerRef;
    return ref != null && !workers.learners().workers().contains(ref);
  }

  private void sleep(Duration d) {
    long until = System.nanoTime() + d.toNanos();
    while (!stop && System.nanoTime() < until) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + phase, e);
      }
    }
  }

  /** The campaign as the coordinator has journaled it: where a retry goes on from. */
  private CampaignState.Campaign journaledState() {
    return this.<Coordinator.StatusReply>askCoordinator(r -> new Coordinator.GetStatus(id, r),
        "the coordinator did not answer for " + id).campaign();
  }

  /**
   * Asks the coordinator from this thread, again while it does not answer (it restarts after a
   * journal failure, or moves to another node): every ask of a runner may be repeated. Gives up
   * only when the runner is stopped; an interruption becomes an exception naming {@code what}.
   */
  private <R> R askCoordinator(java.util.function.Function<ActorRef<R>, Coordinator.Command> msg, String what) {
    Duration timeout = system.settings().config().getDuration("perceval.actors.journal.ask-timeout");
    while (true) {
      try {
        return AskPattern.ask(coordinator, msg::apply, timeout, system.scheduler()).toCompletableFuture().get();
      } catch (ExecutionException e) {
        if (stop || !(e.getCause() instanceof java.util.concurrent.TimeoutException)) {
          throw new IllegalStateException(what + ": " + WorkerGroup.describe(e), e);
        }
        system.log().warn("campaign {}: {} within {} s; asking again", id, what, timeout.toSeconds());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while " + phase, e);
      }
    }
  }

  private void runSteps(long journaled, String resumeFrom) {
    Duration timeout = system.settings().config().getDuration("perceval.actors.learner-timeout");
    phase = "waiting for a learner";
    learnerRef = workers.learners().first();
    ActorGroups.RemoteLearner learner = new ActorGroups.RemoteLearner(workers.learners(), learnerRef, timeout);
    // The learner restores the journaled checkpoint, which may lie before the last journaled step
    // (checkpoints come every trainer.checkpoint-every steps): the steps after it are run again.
    long from = learner.start(spec.render(), resumeFrom);
    if (from > journaled) {
      throw new IllegalStateException("the learner resumed at step " + from + ", after the journal's " + journaled);
    }
    ModelSource.Models models = ModelSource.Models.of(id, spec);
    ModelCheckpoint.Header policy = source.header(spec.policy(), "policy");
    Tokenizer tok = policy.tokenizer();
    World world = source.world(spec.data().world(), policy.imageSize(), spec.data().families());
    policy.requireVocabulary(world);
    ActorGroups.Samplers samplers = new ActorGroups.Samplers(workers.samplers(), models, learnerRef,
        WeightsSource.initial(), this::learnerGone);
    if (from > 0) {
      samplers.sync(learner.publish());
    }
    boolean penalise = spec.data().perception() && !spec.verifier().isBlank();
    GrpoLoop loop = new GrpoLoop(spec, world, tok, world::task, samplers,
        penalise ? new ActorGroups.Verifiers(workers.verifiers(), models) : null, learner);
    int redispatchedBefore = redispatched();
    phase = from == 0 && spec.trainer().evalN() > 0 ? "evaluating the starting policy"
        : "step " + (from + 1) + " of " + spec.steps();
    loop.run(from, new GrpoLoop.Listener() {
      @Override
      public Map<String, Double> extraMetrics() {
        // Shards sent again because their worker stopped or timed out, since this runner started.
        return Map.of("workers/redispatched", (double) (redispatched() - redispatchedBefore));
      }

      @Override
      public void stepped(long step, Map<String, Double> metrics, String checkpoint) {
        journal(step, metrics, checkpoint);
        progressed = true;
        phase = "step " + (step + 1) + " of " + spec.steps();
      }

      @Override
      public boolean stopRequested() {
        return stop;
      }
    });
    phase = stop ? "stopped" : "done";
  }

  private int redispatched() {
    return workers.samplers().redispatched() + workers.verifiers().redispatched();
  }

  /** Waits until the coordinator has persisted the step: only then may the next one start. */
  private void journal(long step, Map<String, Double> metrics, String checkpoint) {
    Coordinator.Journaled j = this.<Coordinator.Journaled>askCoordinator(
        r -> new Coordinator.StepDone(id, step, metrics, checkpoint, r), "the coordinator did not journal step " + step);
    if (j.error() != null) {
      stop = true;
      throw new IllegalStateException(j.error());
    }
  }

}
