package dev.perceval.policy.grpo;

import dev.perceval.policy.Rng;
import dev.perceval.policy.io.MetricsLog;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.world.Answers;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The GRPO training step, written once as a single controller over three interfaces: a sampler
 * group, a verifier group and a learner (verl's worker groups). The in-process run and the actor
 * system plug their own implementations into this same class.
 *
 * <p>Step s: prompts from (seed, s); G rollouts each; outcome rewards; (DAPO) drop groups without
 * reward variance and refill; the verifier's flagged spans on perception data; token-level
 * advantages; one learner step; the samplers load the new weights. Everything random derives
 * from (seed, s), so a step can be re-run anywhere with the same result.
 */
public final class GrpoLoop {
  private final CampaignSpec spec;
  private final World world;
  private final Tokenizer tok;
  private final Function<TaskId, Task> tasks;
  private final SamplerGroup samplers;
  private final VerifierGroup verifiers;
  private final Learner learner;
  private final AdvantageEstimator estimator;
  /** Whether steps are verified: on perception data with a verifier (the paper's rule). */
  private final boolean verifies;
  private final TokenShaper shaper;
  private final Set<String> functionWords;

  /** @param verifiers may be null when the campaign uses no verifier */
  public GrpoLoop(CampaignSpec spec, World world, Tokenizer tok, Function<TaskId, Task> tasks, SamplerGroup samplers,
      VerifierGroup verifiers, Learner learner) {
    if (verifiers == null && spec.algorithm().alpha() > 0 && spec.data().perception()) {
      throw new IllegalArgumentException("the campaign penalises flagged tokens (alpha "
          + spec.algorithm().alpha() + ") but has no verifier");
    }
    this.spec = spec;
    this.world = world;
    this.tok = tok;
    this.tasks = tasks;
    this.samplers = samplers;
    this.verifiers = verifiers;
    this.learner = learner;
    this.estimator = AdvantageEstimator.REGISTRY.create(spec.algorithm().estimator(), spec.algorithm());
    this.verifies = spec.data().perception() && verifiers != null;
    this.shaper = TokenShaper.REGISTRY.create(verifies ? spec.algorithm().tokenShaper() : TokenShaper.NONE,
        spec.algorithm());
    this.functionWords = world.functionWords();
  }

  /** One step's metrics; {@code step} counts from 0. */
  public record StepRecord(long step, Map<String, Double> metrics) {}

  /**
   * What a run reports as it goes: the CLI draws a progress bar, the coordinator journals each
   * step. Called on the run's thread, after the step's rows are in {@code metrics.csv} and
   * {@code eval.csv} and its checkpoint (if any) is complete.
   */
  public interface Listener {
    /** A held-out evaluation after {@code step} completed steps (0: the starting policy). */
    default void evaluated(long step, Map<String, Double> eval) {}

    /**
     * Step {@code step} (counting from 1) is done: its metrics with the evaluation made after it,
     * and the checkpoint written after it, or null.
     */
    default void stepped(long step, Map<String, Double> metrics, String checkpoint) {}

    /** Metrics of the run's surroundings to log with the step's own (e.g. shards sent again). */
    default Map<String, Double> extraMetrics() {
      return Map.of();
    }

    /** Asked before each step: true ends the run after the step in progress. */
    default boolean stopRequested() {
      return false;
    }
  }

  /** The first and last held-out evaluations of a run (empty when {@code trainer.eval-n} is 0 or none ran). */
  public record Outcome(Map<String, Double> firstEval, Map<String, Double> lastEval) {}

  /**
   * Runs the steps after {@code from} completed ones up to {@code steps}: the starting policy's
   * evaluation on a fresh run, the evaluation and checkpoint cadence ({@code trainer.eval-every},
   * {@code trainer.checkpoint-every}, both after the last step, and a checkpoint after the step a
   * requested stop ends the run with) and {@code metrics.csv} /
   * {@code eval.csv} in the spec's out directory, which a resumed run continues without repeating
   * a row. The learner must hold the weights of step {@code from}.
   */
  public Outcome run(long from, Listener listener) {
    Path out = spec.outDir();
    MetricsLog steps = new MetricsLog(out.resolve("metrics.csv"), from);
    MetricsLog evals = new MetricsLog(out.resolve("eval.csv"), from);
    Map<String, Double> first = Map.of();
    Map<String, Double> last = Map.of();
    if (from == 0) {
      first = evaluate(evals, 0, listener);
      last = first;
    }
    CampaignSpec.Trainer trainer = spec.trainer();
    for (long s = from; s < spec.steps() && !listener.stopRequested(); s++) {
      long done = s + 1;
      Map<String, Double> metrics = new LinkedHashMap<>(step(s).metrics());
      metrics.putAll(listener.extraMetrics());
      steps.append(done, metrics);
      boolean end = done == spec.steps();
      if (end || due(done, trainer.evalEvery())) {
        last = evaluate(evals, done, listener);
        first = first.isEmpty() ? last : first;
        metrics.putAll(last);
      }
      // A stop (pause, shutdown) checkpoints too, so the campaign resumes where it stopped.
      boolean ending = end || listener.stopRequested();
      String checkpoint = ending || due(done, trainer.checkpointEvery()) ? learner.checkpoint(done).toString() : null;
      listener.stepped(done, metrics, checkpoint);
    }
    return new Outcome(first, last);
  }

  private static boolean due(long done, int every) {
    return every > 0 && done % every == 0;
  }

  private Map<String, Double> evaluate(MetricsLog evals, long step, Listener listener) {
    Map<String, Double> m = evaluate();
    if (!m.isEmpty()) {
      evals.append(step, m);
      listener.evaluated(step, m);
    }
    return m;
  }

  /** The prompts of a step's sampling round: disjoint across steps and rounds. */
  public List<TaskId> prompts(long step, int round) {
    int p = spec.promptsPerStep();
    long base = (step * (spec.rollout().maxRounds() + 1L) + round) * p;
    List<TaskId> out = new ArrayList<>(p);
    for (int i = 0; i < p; i++) {
      out.add(new TaskId(world.name(), spec.data().split(), spec.seed(), base + i));
    }
    return out;
  }

  public StepRecord step(long step) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    int g = spec.groupSize();
    CampaignSpec.Rollout ro = spec.rollout();
    SamplingParams params = SamplingParams.sample(ro.temperature(), ro.topP(), ro.maxNewTokens());
    long t0 = System.nanoTime();
    List<Rollout> kept = new ArrayList<>();
    List<double[]> keptRewards = new ArrayList<>();
    int sampledGroups = 0;
    int zeroStdGroups = 0;
    int rounds = 0;
    double rewardSum = 0;
    int correct = 0;
    long tokens = 0;
    int truncated = 0;
    for (int round = 0; round <= (ro.dynamicSampling() ? ro.maxRounds() : 0); round++) {
      List<TaskId> prompts = prompts(step, round);
      List<Rollout> rollouts = samplers.sample(prompts, g, Rng.derive(spec.seed(), "rollout", step, round).nextLong(), params);
      rounds++;
      for (int p = 0; p < prompts.size(); p++) {
        Task task = tasks.apply(prompts.get(p));
        double[] rewards = new double[g];
        for (int j = 0; j < g; j++) {
          Rollout r = rollouts.get(p * g + j);
          List<String> words = tok.words(r.tokens());
          rewards[j] = Rewards.of(task, words, ro, world, ro.requireClaims() && spec.data().perception());
          rewardSum += rewards[j];
          correct += Answers.reward(task, words) == 1.0 ? 1 : 0;
          tokens += r.tokens().length;
          truncated += r.stopped() ? 0 : 1;
        }
        sampledGroups++;
        boolean zeroStd = zeroVariance(rewards);
        zeroStdGroups += zeroStd ? 1 : 0;
        if (ro.dynamicSampling() && zeroStd) {
          continue;
        }
        if (kept.size() < spec.promptsPerStep() * g) {
          kept.addAll(rollouts.subList(p * g, (p + 1) * g));
          keptRewards.add(rewards);
        }
      }
      if (kept.size() >= spec.promptsPerStep() * g) {
        break;
      }
    }
    long t1 = System.nanoTime();
    metrics.put("reward/mean", rewardSum / (sampledGroups * (double) g));
    metrics.put("acc", correct / (sampledGroups * (double) g));
    metrics.put("batch/frac_reward_zero_std", zeroStdGroups / (double) sampledGroups);
    metrics.put("batch/kept_groups", (double) keptRewards.size());
    metrics.put("batch/sampling_rounds", (double) rounds);
    metrics.put("response_length/mean", tokens / (sampledGroups * (double) g));
    metrics.put("response_length/clip_ratio", truncated / (sampledGroups * (double) g));
    if (kept.isEmpty()) {
      // Every group lacked reward variance even after refills: nothing to learn from this step.
      metrics.put("perceval/flagged_rate", 0.0);
      metrics.put("perceval/flagged_tokens", 0.0);
      metrics.putAll(timing(t0, t1, t1, t1, t1, t1, tokens));
      return new StepRecord(step, metrics);
    }

    List<List<TokenAdvantages.Span>> flagged = verifies ? verifiers.verify(kept) : null;
    long t2 = System.nanoTime();
    List<Learner.Sample> batch = new ArrayList<>(kept.size());
    int flaggedResponses = 0;
    long flaggedTokens = 0;
    int creditedClaims = 0;
    for (int grp = 0; grp < keptRewards.size(); grp++) {
      double[] rewards = keptRewards.get(grp);
      double[] adv = estimator.advantages(rewards);
      boolean zeroStd = zeroVariance(rewards);
      float[][] tokenAdv = new float[g][];
      List<List<TokenAdvantages.Span>> groupSpans = new ArrayList<>(g);
      for (int j = 0; j < g; j++) {
        Rollout r = kept.get(grp * g + j);
        List<TokenAdvantages.Span> spans = flagged == null ? List.of() : flagged.get(grp * g + j);
        flaggedResponses += spans.isEmpty() ? 0 : 1;
        flaggedTokens += countMasked(r.tokens().length, spans);
        tokenAdv[j] = shaper.shape(adv[j], r.tokens().length, spans, functionWordMask(r.tokens()), zeroStd);
        groupSpans.add(spans);
      }
      if (verifies && spec.algorithm().claimCredit() > 0) {
        List<List<String>> groupWords = kept.subList(grp * g, (grp + 1) * g).stream()
            .map(r -> tok.words(r.tokens())).toList();
        creditedClaims += ClaimCredit.add(world, spec.algorithm().claimCredit(), groupWords, groupSpans, tokenAdv);
      }
      for (int j = 0; j < g; j++) {
        Rollout r = kept.get(grp * g + j);
        batch.add(new Learner.Sample(r.taskId(), r.tokens(), tokenAdv[j]));
      }
    }
    metrics.put("perceval/flagged_rate", flaggedResponses / (double) kept.size());
    metrics.put("perceval/flagged_tokens", flaggedTokens / (double) kept.size());
    if (spec.algorithm().claimCredit() > 0) {
      metrics.put("perceval/credited_claims", creditedClaims / (double) kept.size());
    }
    long t3 = System.nanoTime();
    Learner.Result result = learner.train(step, batch);
    long t4 = System.nanoTime();
    samplers.sync(learner.publish());
    long t5 = System.nanoTime();
    metrics.putAll(result.metrics());
    metrics.put("policy/version", (double) result.version());
    metrics.putAll(timing(t0, t1, t2, t3, t4, t5, tokens));
    return new StepRecord(step, metrics);
  }

  private static Map<String, Double> timing(long t0, long gen, long verify, long adv, long update, long sync, long tokens) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("timing_s/gen", (gen - t0) / 1e9);
    m.put("timing_s/verify", (verify - gen) / 1e9);
    m.put("timing_s/adv", (adv - verify) / 1e9);
    m.put("timing_s/update", (update - adv) / 1e9);
    m.put("timing_s/sync", (sync - update) / 1e9);
    m.put("timing_s/step", (sync - t0) / 1e9);
    m.put("perf/tokens_per_s", tokens / Math.max(1e-9, (sync - t0) / 1e9));
    return m;
  }

  /**
   * Greedy decoding of {@code trainer.eval-n} held-out tasks by the samplers: accuracy, the
   * oracle's perception-error and hallucination rates, and the verifier's flagged rate.
   */
  public Map<String, Double> evaluate() {
    int n = spec.trainer().evalN();
    Map<String, Double> m = new LinkedHashMap<>();
    if (n == 0) {
      return m;
    }
    List<TaskId> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(new TaskId(world.name(), spec.trainer().evalSplit(), spec.seed(), i));
    }
    List<Rollout> rollouts = samplers.sample(ids, 1, 0, SamplingParams.greedy(spec.rollout().maxNewTokens()));
    Evaluator.Result r = Evaluator.score(world, ids.stream().map(tasks).toList(),
        rollouts.stream().map(x -> tok.words(x.tokens())).toList());
    m.put("eval/accuracy", r.accuracy());
    m.put("eval/perception_error_rate", r.perceptionErrorRate());
    m.put("eval/hallucination_rate", r.hallucinationRate());
    m.put("eval/response_length", r.meanTokens());
    if (verifiers != null) {
      long flaggedResponses = verifiers.verify(rollouts).stream().filter(f -> !f.isEmpty()).count();
      m.put("eval/flagged_rate", flaggedResponses / (double) n);
    }
    return m;
  }

  private boolean[] functionWordMask(int[] tokens) {
    boolean[] out = new boolean[tokens.length];
    for (int t = 0; t < tokens.length; t++) {
      out[t] = functionWords.contains(tok.word(tokens[t]));
    }
    return out;
  }

  private static long countMasked(int length, List<TokenAdvantages.Span> spans) {
    long c = 0;
    for (boolean b : TokenAdvantages.mask(length, spans, null)) {
      c += b ? 1 : 0;
    }
    return c;
  }

  static boolean zeroVariance(double[] rewards) {
    for (double r : rewards) {
      if (r != rewards[0]) {
        return false;
      }
    }
    return true;
  }
}
