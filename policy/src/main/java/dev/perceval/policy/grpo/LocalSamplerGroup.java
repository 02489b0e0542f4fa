package dev.perceval.policy.grpo;

import dev.perceval.policy.Rng;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.sampling.Sampler;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** One policy replica in this process, decoding in batches of {@code batchSize} rows. */
public final class LocalSamplerGroup implements SamplerGroup {
  private final TinyVlm replica;
  private final Tokenizer tok;
  private final Function<TaskId, Task> tasks;
  private final int batchSize;
  private final Function<WeightsRef, PolicyWeights> fetch;
  private long version;

  /** @param fetch where published weights are read from, e.g. the learner in this process */
  public LocalSamplerGroup(TinyVlm replica, Tokenizer tok, Function<TaskId, Task> tasks, int batchSize, long version,
      Function<WeightsRef, PolicyWeights> fetch) {
    this.replica = replica;
    this.tok = tok;
    this.tasks = tasks;
    this.batchSize = batchSize;
    this.version = version;
    this.fetch = fetch;
  }

  /** The seed of response {@code j} to prompt {@code p}: independent of how prompts are sharded. */
  public static long rowSeed(long seed, TaskId prompt, int j) {
    return Rng.derive(seed, prompt.toString(), j).nextLong();
  }

  @Override
  public List<Rollout> sample(List<TaskId> prompts, int groupSize, long seed, SamplingParams params) {
    return sample(replica, tok, tasks, batchSize, version, prompts, groupSize, seed, params);
  }

  /** Decodes on {@code model}; shared with replicas that live elsewhere (actors). */
  public static List<Rollout> sample(TinyVlm model, Tokenizer tok, Function<TaskId, Task> tasks, int batchSize,
      long version, List<TaskId> prompts, int groupSize, long seed, SamplingParams params) {
    int rows = prompts.size() * groupSize;
    List<Rollout> out = new ArrayList<>(rows);
    for (int from = 0; from < rows; from += batchSize) {
      int to = Math.min(rows, from + batchSize);
      float[][] images = new float[to - from][];
      int[][] promptIds = new int[to - from][];
      long[] seeds = new long[to - from];
      TaskId[] ids = new TaskId[to - from];
      for (int r = from; r < to; r++) {
        TaskId id = prompts.get(r / groupSize);
        Task t = tasks.apply(id);
        ids[r - from] = id;
        images[r - from] = t.image();
        promptIds[r - from] = tok.prompt(t.question());
        seeds[r - from] = rowSeed(seed, id, r % groupSize);
      }
      List<Generation> gens = Sampler.generate(model, tok.stop(), images, promptIds, seeds, params);
      for (int r = 0; r < gens.size(); r++) {
        Generation g = gens.get(r);
        out.add(new Rollout(ids[r], g.tokens(), g.logProbs(), g.stopped(), version));
      }
    }
    return out;
  }

  @Override
  public void sync(WeightsRef ref) {
    PolicyWeights weights = fetch.apply(ref);
    if (!weights.ref().equals(ref)) {
      throw new IllegalStateException("fetched weights v" + weights.version() + " do not match v" + ref.version());
    }
    replica.load(weights.tensors());
    version = ref.version();
  }

  public long version() {
    return version;
  }
}
