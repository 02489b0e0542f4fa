package dev.perceval.prm;

import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.sampling.Sampler;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/** A policy checkpoint as a source of responses for the verifier's data, sampled in large batches. */
public final class PolicyResponses implements PrmData.ResponseSource {
  private final TinyVlm policy;
  private final Tokenizer tok;
  private final SamplingParams params;
  private final int batchSize;
  private final IntConsumer progress;

  public PolicyResponses(TinyVlm policy, Tokenizer tok, SamplingParams params, int batchSize, IntConsumer progress) {
    this.policy = policy;
    this.tok = tok;
    this.params = params;
    this.batchSize = batchSize;
    this.progress = progress;
  }

  @Override
  public List<int[]> respond(List<Task> tasks, long[] seeds) {
    List<int[]> out = new ArrayList<>(tasks.size());
    for (int from = 0; from < tasks.size(); from += batchSize) {
      int to = Math.min(tasks.size(), from + batchSize);
      float[][] images = new float[to - from][];
      int[][] prompts = new int[to - from][];
      for (int i = from; i < to; i++) {
        images[i - from] = tasks.get(i).image();
        prompts[i - from] = tok.prompt(tasks.get(i).question());
      }
      long[] chunkSeeds = java.util.Arrays.copyOfRange(seeds, from, to);
      for (Generation g : Sampler.generate(policy, tok.stop(), images, prompts, chunkSeeds, params)) {
        out.add(g.tokens());
      }
      progress.accept(to - from);
    }
    return out;
  }
}
