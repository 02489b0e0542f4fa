package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import dev.perceval.policy.grpo.Learner;
import dev.perceval.policy.grpo.Rollout;
import dev.perceval.policy.grpo.SamplerGroup;
import dev.perceval.policy.grpo.TokenAdvantages;
import dev.perceval.policy.grpo.VerifierGroup;
import dev.perceval.policy.grpo.WeightsRef;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.world.TaskId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The training loop's three interfaces backed by actors: the same {@code GrpoLoop} that runs in
 * one process drives samplers, verifiers and a learner anywhere in the cluster. Steps are cut
 * into shards of one micro-batch each, the unit the in-process run decodes in, so the numbers
 * do not depend on how many workers share a step.
 */
public final class ActorGroups {
  private ActorGroups() {}

  static <T> List<List<T>> shards(List<T> items, int size) {
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i += size) {
      out.add(List.copyOf(items.subList(i, Math.min(items.size(), i + size))));
    }
    return out;
  }

  public static final class Samplers implements SamplerGroup {
    private final WorkerGroup<SamplerActor.Command> group;
    private final ModelSource.Models models;
    private final ActorRef<LearnerActor.Command> learner;
    private final java.util.function.BooleanSupplier learnerLost;
    private WeightsSource current;

    /** @param learnerLost holds once the learner is gone: samplers waiting on its weights are given up on */
    public Samplers(WorkerGroup<SamplerActor.Command> group, ModelSource.Models models,
        ActorRef<LearnerActor.Command> learner, WeightsSource start, java.util.function.BooleanSupplier learnerLost) {
      this.group = group;
      this.models = models;
      this.learner = learner;
      this.current = start;
      this.learnerLost = learnerLost;
    }

    @Override
    public List<Rollout> sample(List<TaskId> prompts, int groupSize, long seed, SamplingParams params) {
      int perShard = Math.max(1, models.microBatch() / groupSize);
      List<SamplerActor.Sampled> replies = group.dispatch(shards(prompts, perShard),
          (shard, replyTo) -> new SamplerActor.Sample(models, current, shard, groupSize, seed, params, replyTo),
          learnerLost);
      List<Rollout> out = new ArrayList<>();
      replies.forEach(r -> out.addAll(r.rollouts()));
      return out;
    }

    @Override
    public void sync(WeightsRef weights) {
      current = WeightsSource.of(weights, learner);
      group.<SamplerActor.WeightsLoaded>broadcast(replyTo -> new SamplerActor.LoadWeights(models, current, replyTo),
          learnerLost);
    }
  }

  public static final class Verifiers implements VerifierGroup {
    private final WorkerGroup<VerifierActor.Command> group;
    private final ModelSource.Models models;

    public Verifiers(WorkerGroup<VerifierActor.Command> group, ModelSource.Models models) {
      this.group = group;
      this.models = models;
    }

    @Override
    public List<List<TokenAdvantages.Span>> verify(List<Rollout> rollouts) {
      List<VerifierActor.Verified> replies = group.dispatch(shards(rollouts, models.microBatch()),
          (shard, replyTo) -> new VerifierActor.Verify(models, shard, replyTo));
      List<List<TokenAdvantages.Span>> out = new ArrayList<>();
      replies.forEach(r -> out.addAll(r.spans()));
      return out;
    }
  }

  /**
   * The learner actor of a campaign, asked with the learner timeout. Error replies surface as
   * {@link WorkerGroup.WorkerException}; a learner that dies or leaves mid-call as
   * {@link WorkerGroup.WorkerLost}, at once rather than after the timeout.
   */
  public static final class RemoteLearner implements Learner {
    private final WorkerGroup<LearnerActor.Command> group;
    private final ActorRef<LearnerActor.Command> learner;
    private final Duration timeout;
    private final String session = java.util.UUID.randomUUID().toString();

    public RemoteLearner(WorkerGroup<LearnerActor.Command> group, ActorRef<LearnerActor.Command> learner,
        Duration timeout) {
      this.group = group;
      this.learner = learner;
      this.timeout = timeout;
    }

    public ActorRef<LearnerActor.Command> ref() {
      return learner;
    }

    @Override
    public Result train(long step, List<Sample> batch) {
      LearnerActor.Trained t = ask(r -> new LearnerActor.Train(session, step, batch, r));
      return new Result(t.version(), t.metrics());
    }

    @Override
    public WeightsRef publish() {
      return this.<LearnerActor.Published>ask(r -> new LearnerActor.Publish(session, r)).weights();
    }

    @Override
    public Path checkpoint(long step) {
      return Path.of(this.<LearnerActor.CheckpointWritten>ask(r -> new LearnerActor.Checkpoint(session, step, r)).path());
    }

    /** Starts (or resumes) the campaign on the learner; returns the version it holds. */
    public long start(String spec, String resumeFrom) {
      return this.<LearnerActor.Started>ask(r -> new LearnerActor.Start(spec, resumeFrom, session, r)).version();
    }

    private <R extends WorkerGroup.Reply> R ask(java.util.function.Function<ActorRef<R>, LearnerActor.Command> msg) {
      try {
        return group.ask(learner, msg, timeout);
      } catch (WorkerGroup.WorkerException e) {
        throw new WorkerGroup.WorkerException("learner: " + e.getMessage());
      }
    }
  }
}
