package dev.perceval.prm.bench;

import ai.djl.Device;
import dev.perceval.policy.bench.Timing;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.prm.PercevalVerifier;
import dev.perceval.prm.PrmSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Perceval verifier throughput on the gold responses of held-out tasks: the whole batch in one
 * call against one response per call, with a freshly initialised verifier of the configured
 * shape and judging (speed does not depend on the weights). With a group size above 1 the batch
 * is shaped as a GRPO step's, that many responses to each task: judging by reading then reads
 * each image once per call, which one response per call cannot share. Opening it builds the
 * model; {@link #measure} times it.
 */
public final class VerifierThroughput implements AutoCloseable {
  private final List<Task> tasks = new ArrayList<>();
  private final List<int[]> responses = new ArrayList<>();
  private final double responseTokens;
  private final TinyVlm model;
  private final PercevalVerifier verifier;
  private final PercevalVerifier.Judging judging;

  /** Responses per second at the batch size and at batch 1, and the batch's tokens per second. */
  public record Result(int batch, double batched, double single, double batchedTokensPerSecond) {
    public double ratio() {
      return batched / single;
    }
  }

  public VerifierThroughput(PrmSettings prm, World world, long seed, Device device, int batch, int groupSize) {
    if (groupSize < 1 || batch % groupSize != 0) {
      throw new IllegalArgumentException("the group size must divide the batch, got " + groupSize + " and " + batch);
    }
    Tokenizer tok = Tokenizer.of(world.vocabulary());
    for (int i = 0; i < batch; i++) {
      Task t = world.task(Split.HELDOUT, seed, i / groupSize);
      tasks.add(t);
      responses.add(tok.encode(t.goldResponse()));
    }
    responseTokens = responses.stream().mapToInt(r -> r.length).sum();
    model = new TinyVlm(prm.shape(world.imageSize(), tok.size()), device, seed);
    judging = prm.judging();
    verifier = new PercevalVerifier(model, tok, world, prm.threshold(), batch, judging);
  }

  public TinyVlm model() {
    return model;
  }

  public PercevalVerifier.Judging judging() {
    return judging;
  }

  public int batch() {
    return tasks.size();
  }

  public double meanResponseTokens() {
    return responseTokens / batch();
  }

  /** Both ways timed by {@link Timing#best} over {@code repeats} runs. */
  public Result measure(int repeats) {
    int batch = batch();
    double batched = Timing.perSecond(batch, Timing.best(repeats, () -> verifier.verify(tasks, responses)));
    double single = Timing.perSecond(batch, Timing.best(repeats, () -> {
      for (int i = 0; i < batch; i++) {
        verifier.verify(tasks.subList(i, i + 1), responses.subList(i, i + 1));
      }
    }));
    return new Result(batch, batched, single, batched * responseTokens / batch);
  }

  @Override
  public void close() {
    model.close();
  }
}
