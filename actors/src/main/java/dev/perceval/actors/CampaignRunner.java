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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Runs one campaign's steps on its own thread: the single GRPO controller with actor-backed
 * pools. After every step the learner checkpoints and the coordinator journals the step before
 * the next one starts, so a campaign resumes exactly after its last journaled step.
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
  private final long from;
  private final String resumeFrom;
  private volatile boolean stop;
  private volatile String phase = "starting";

  CampaignRunner(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Workers workers, ModelSource source,
      String id, CampaignSpec spec, long from, String resumeFrom) {
    this.system = system;
    this.coordinator = coordinator;
    this.workers = workers;
    this.source = source;
    this.id = id;
    this.spec = spec;
    this.from = from;
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
    try {
      runSteps();
    } catch (RuntimeException e) {
      error = WorkerGroup.describe(e);
      system.log().error("campaign {} failed: {}", id, error);
    }
    coordinator.tell(new Coordinator.RunnerEnded(id, error, stop));
  }

  private void runSteps() {
    Duration timeout = system.settings().config().getDuration("perceval.actors.learner-timeout");
    phase = "waiting for a learner";
    ActorRef<LearnerActor.Command> learnerRef = workers.learners().first();
    ActorPools.RemoteLearner learner = new ActorPools.RemoteLearner(system, learnerRef, timeout);
    long version = learner.start(spec.render(), resumeFrom);
    if (version != from) {
      throw new IllegalStateException("the learner resumed at step " + version + ", the journal at " + from);
    }
    ModelSource.Campaign campaign = ModelSource.Campaign.of(id, spec);
    ModelCheckpoint.Loaded init = source.load(spec.policy(), "policy");
    Tokenizer tok = init.tokenizer();
    World world = source.world(spec.data().world(), init.model().config().imageSize(), spec.data().families());
    init.model().close();
    ActorPools.Samplers samplers = new ActorPools.Samplers(workers.samplers(), campaign, learnerRef,
        WeightsSource.initial());
    if (from > 0) {
      samplers.sync(learner.publish());
    }
    boolean penalise = spec.data().perception() && !spec.verifier().isBlank();
    GrpoLoop loop = new GrpoLoop(spec, world, tok, world::task, samplers,
        penalise ? new ActorPools.Verifiers(workers.verifiers(), campaign) : null, learner);
    int every = spec.trainer().evalEvery();
    MetricsLog steps = new MetricsLog(spec.outDir().resolve("metrics.csv"), from);
    MetricsLog evals = new MetricsLog(spec.outDir().resolve("eval.csv"), from);
    if (from == 0 && spec.trainer().evalN() > 0) {
      phase = "evaluating the starting policy";
      evals.append(0, loop.evaluate());
    }
    int redispatchedBefore = redispatched();
    for (long s = from; s < spec.steps() && !stop; s++) {
      phase = "step " + (s + 1) + " of " + spec.steps();
      GrpoLoop.StepRecord rec = loop.step(s);
      Map<String, Double> metrics = new LinkedHashMap<>(rec.metrics());
      // Shards sent again because their worker stopped or timed out, since this runner started.
      metrics.put("workers/redispatched", (double) (redispatched() - redispatchedBefore));
      steps.append(s + 1, metrics);
      if (s + 1 == spec.steps() || (every > 0 && (s + 1) % every == 0)) {
        phase = "evaluating after step " + (s + 1);
        Map<String, Double> eval = loop.evaluate();
        evals.append(s + 1, eval);
        metrics.putAll(eval);
      }
      String checkpoint = rec.checkpoint() != null ? rec.checkpoint() : learner.checkpoint(s + 1).toString();
      journal(s + 1, metrics, checkpoint);
    }
    phase = stop ? "stopped" : "done";
  }

  /** Waits until the coordinator has persisted the step: only then may the next one start. */
  private int redispatched() {
    return workers.samplers().redispatched() + workers.verifiers().redispatched();
  }

  private void journal(long step, Map<String, Double> metrics, String checkpoint) {
    try {
      Coordinator.Journaled j = AskPattern.<Coordinator.Command, Coordinator.Journaled>ask(coordinator,
          r -> new Coordinator.StepDone(id, step, metrics, checkpoint, r), Duration.ofSeconds(60), system.scheduler())
          .toCompletableFuture().get();
      if (j.error() != null) {
        stop = true;
        throw new IllegalStateException(j.error());
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("the coordinator did not journal step " + step + ": " + WorkerGroup.describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted at step " + step, e);
    }
  }
}
