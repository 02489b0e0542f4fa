package dev.perceval.tts;

import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.sampling.Sampler;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Task;
import java.util.ArrayList;
import java.util.List;

/** The policy in this process: rows decoded in micro-batches with the KV cache. */
public final class LocalTtsPolicy implements TtsPolicy {
  private final TinyVlm model;
  private final Tokenizer tok;
  private final SamplingParams params;
  private final int batchSize;

  public LocalTtsPolicy(TinyVlm model, Tokenizer tok, SamplingParams params, int batchSize) {
    this.model = model;
    this.tok = tok;
    this.params = params;
    this.batchSize = batchSize;
  }

  @Override
  public int maxPrefix(Task task) {
    return TtsPolicy.maxPrefix(model.config().maxText(), tok.prompt(task.question()).length);
  }

  @Override
  public List<Generation> generate(List<Row> rows) {
    List<Generation> out = new ArrayList<>(rows.size());
    for (int from = 0; from < rows.size(); from += batchSize) {
      List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + batchSize));
      float[][] images = new float[chunk.size()][];
      int[][] prompts = new int[chunk.size()][];
      long[] seeds = new long[chunk.size()];
      for (int i = 0; i < chunk.size(); i++) {
        Row r = chunk.get(i);
        images[i] = r.task().image();
        prompts[i] = TtsStrategy.concat(tok.prompt(r.task().question()), r.prefix());
        seeds[i] = r.seed();
      }
      out.addAll(Sampler.generate(model, tok.stop(), images, prompts, seeds, params));
    }
    return out;
  }
}
