package dev.perceval.policy.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.Rng;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.grpo.Learner;
import dev.perceval.policy.grpo.LocalLearner;
import dev.perceval.policy.io.Checkpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The GRPO learner's step time on one batch of random responses to train-split questions, the
 * model FLOP/s that makes, and a GEMM peak measured in the same process to compare it with.
 * Opening it builds the policy, reference, optimizer and learner; {@link #measure} times them.
 */
public final class LearnerThroughput implements AutoCloseable {
  private final VlmConfig shape;
  private final List<Learner.Sample> samples = new ArrayList<>();
  private final long positions;
  private final double flopsPerStep;
  private final Path scratch;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final TinyVlm policy;
  private final LocalLearner learner;

  /**
   * @param stepSeconds the fastest learner step
   * @param flopsPerStep model FLOPs of one step, from {@link #forwardFlops}
   * @param gemmPeak FLOP/s of a {@code gemm x gemm} float32 matmul
   */
  public record Result(double stepSeconds, double flopsPerStep, double gemmPeak, int gemm) {
    public double achieved() {
      return flopsPerStep / stepSeconds;
    }

    public double ratio() {
      return achieved() / gemmPeak;
    }
  }

  /**
   * @param model the configured model shape; its text length is widened to fit prompt and response
   * @param tokens response tokens per row
   */
  public LearnerThroughput(VlmConfig model, World world, Tokenizer tok, long seed, Device device, int batch,
      int tokens) {
    shape = new VlmConfig(model.imageSize(), model.patch(), model.stemChannels(), model.dModel(), model.layers(),
        model.heads(), model.vocab(), Math.max(model.maxText(), 16 + tokens), model.mode());
    CampaignSpec spec = CampaignSpec.parse("policy = bench, verifier = oracle, rollout.max-new-tokens = " + tokens
        + ", rollout.overlong-buffer = 1, actor.micro-batch = " + batch);
    Rng rng = new Rng(seed);
    int promptTokens = 0;
    for (int i = 0; i < batch; i++) {
      Task t = world.task(Split.TRAIN, seed, i);
      promptTokens += tok.prompt(t.question()).length;
      int[] response = new int[tokens];
      float[] adv = new float[tokens];
      for (int j = 0; j < tokens; j++) {
        response[j] = 2 + rng.nextInt(tok.size() - 2);
        adv[j] = (float) rng.nextGaussian();
      }
      samples.add(new Learner.Sample(TaskId.parse(t.id()), response, adv));
    }
    positions = shape.imageTokens() + Math.round(promptTokens / (double) batch) + tokens;
    // Forwards per step: reference log-probs, the training pass (backward ~ 2x forward), and old
    // log-probs only when a step makes several updates.
    int forwards = LocalLearner.recomputesOldLogProbs(spec.update()) ? 5 : 4;
    flopsPerStep = forwards * forwardFlops(shape, positions) * batch;
    try {
      scratch = Files.createTempDirectory("perceval-bench");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a scratch directory: " + e.getMessage(), e);
    }
    try {
      policy = own(new TinyVlm(shape, device, seed));
      TinyVlm reference = own(new TinyVlm(shape, device, seed));
      AdamW opt = own(new AdamW(policy, AdamW.Hyper.defaults()));
      learner = own(new LocalLearner(policy, reference, opt, tok, world::task, spec, scratch, Map.of(), 0));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private <T extends AutoCloseable> T own(T resource) {
    owned.add(resource);
    return resource;
  }

  /** The model as trained: the configured shape with room for the prompt and response. */
  public VlmConfig shape() {
    return shape;
  }

  public long parameters() {
    return policy.parameterCount();
  }

  /** Positions of a row: image tokens, the mean prompt length, and the response. */
  public long positions() {
    return positions;
  }

  /** Learner steps timed by {@link Timing#best}, then the GEMM peak over at least 3 runs. */
  public Result measure(int repeats, int gemm) {
    long[] step = {0};
    long best = Timing.best(repeats, () -> learner.train(step[0]++, samples));
    return new Result(best / 1e9, flopsPerStep, Timing.gemmPeak(policy, gemm, Math.max(3, repeats)), gemm);
  }

  /**
   * Multiply-adds x 2 of one forward over {@code seq} positions: patch embedding, the one-hot
   * embedding matmuls, per layer the projections, MLP and both attention products, and the head.
   */
  public static double forwardFlops(VlmConfig c, long seq) {
    long d = c.dModel();
    long text = seq - c.imageTokens();
    double f = 2.0 * c.imageTokens() * c.patchDim() * d + 2.0 * c.imageTokens() * 2 * c.grid() * d;
    if (c.stemChannels() > 0) {
      long px = (long) c.imageSize() * c.imageSize();
      f += 2.0 * px * 27 * c.stemChannels() + 2.0 * px * 9 * c.stemChannels() * c.stemChannels();
    }
    f += 2.0 * text * (c.vocab() + c.maxText()) * d;
    f += c.layers() * (2.0 * seq * d * 3 * d + 2.0 * seq * d * d + 2.0 * seq * d * 8 * d + 4.0 * seq * seq * d);
    f += 2.0 * text * d * c.outputs();
    return f;
  }

  /** Closes the models and learner, last opened first, and removes the learner's scratch directory. */
  @Override
  public void close() {
    RuntimeException failure = null;
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        failure = failure != null ? failure : new IllegalStateException("closing the bench learner: " + e, e);
      }
    }
    owned.clear();
    try {
      Checkpoint.deleteTree(scratch);
    } catch (IOException e) {
      failure = failure != null ? failure : new UncheckedIOException("cannot remove " + scratch, e);
    }
    if (failure != null) {
      throw failure;
    }
  }
}
