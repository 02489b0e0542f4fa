package dev.perceval.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.LogProbs;

/**
 * Supervised warm start by teacher forcing: maximise the log-likelihood of gold responses,
 * averaged over every response token in the batch (token-mean).
 */
public final class Sft {
  private final TinyVlm model;
  private final AdamW optimizer;
  private final Schedule schedule;

  public Sft(TinyVlm model, AdamW optimizer, Schedule schedule) {
    this.model = model;
    this.optimizer = optimizer;
    this.schedule = schedule;
  }

  /** Result of one optimisation step. */
  public record StepResult(double loss, double gradNorm, float lr, int tokens) {}

  /** One update on a batch; {@code step} picks the learning rate. */
  public StepResult step(long step, float[][] images, int[][] prompts, int[][] responses) {
    float lr = schedule.at(step);
    double loss;
    int tokens = 0;
    for (int[] r : responses) {
      tokens += r.length;
    }
    try (NDManager m = model.newSubManager();
        GradientCollector gc = m.getEngine().newGradientCollector()) {
      NDArray lp = LogProbs.of(model, m, images, prompts, responses, 1f);
      NDArray nll = lp.sum().neg().div(m.create((float) tokens));
      gc.backward(nll);
      loss = nll.getFloat();
    }
    double norm = optimizer.step(lr);
    return new StepResult(loss, norm, lr, tokens);
  }

  /** Mean negative log-likelihood per response token, without updating. */
  public static double loss(TinyVlm model, float[][] images, int[][] prompts, int[][] responses) {
    dev.perceval.policy.model.Torch.noGrad();
    try (NDManager m = model.newSubManager()) {
      NDArray lp = LogProbs.of(model, m, images, prompts, responses, 1f);
      int tokens = 0;
      for (int[] r : responses) {
        tokens += r.length;
      }
      return -lp.sum().getFloat() / tokens;
    }
  }
}
