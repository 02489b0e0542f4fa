package dev.perceval.prm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.perceval.policy.model.Inputs;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.train.PerceptionTargets;
import dev.perceval.policy.train.Sft;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Schedule;
import java.util.List;

/** Supervised training of the verifier: weighted binary cross-entropy on every response token. */
public final class PrmTrainer {
  private final TinyVlm model;
  private final AdamW optimizer;
  private final Schedule schedule;
  private final Tokenizer tok;
  private final float posWeight;
  private final float perceptionWeight;

  /**
   * @param perceptionWeight weight of the perception head's loss (what lies in each grid cell)
   *     beside the error loss: the dense signal that teaches the verifier to read the image
   */
  public PrmTrainer(TinyVlm model, AdamW optimizer, Schedule schedule, Tokenizer tok, float posWeight,
      float perceptionWeight) {
    this.model = model;
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.tok = tok;
    this.posWeight = posWeight;
    this.perceptionWeight = perceptionWeight;
  }

  public record StepResult(double loss, double gradNorm, float lr) {}

  public StepResult step(long step, List<PrmExample> batch) {
    float lr = schedule.at(step);
    double loss;
    try (NDManager m = model.newSubManager();
        GradientCollector gc = m.getEngine().newGradientCollector()) {
      NDArray l = loss(m, batch);
      gc.backward(l);
      loss = l.getFloat();
    }
    return new StepResult(loss, optimizer.step(lr), lr);
  }

  /** Mean weighted BCE over real response tokens, without updating. */
  public double evaluateLoss(List<PrmExample> batch) {
    dev.perceval.policy.model.Torch.noGrad();
    try (NDManager m = model.newSubManager()) {
      return loss(m, batch).getFloat();
    }
  }

  private NDArray loss(NDManager m, List<PrmExample> batch) {
    int b = batch.size();
    float[][] images = new float[b][];
    int[][] prompts = new int[b][];
    int[][] responses = new int[b][];
    int longest = 0;
    for (int i = 0; i < b; i++) {
      PrmExample e = batch.get(i);
      images[i] = e.task().image();
      prompts[i] = tok.prompt(e.task().question());
      responses[i] = e.response();
      longest = Math.max(longest, e.response().length);
    }
    float[] labels = new float[b * longest];
    float[] mask = new float[b * longest];
    for (int i = 0; i < b; i++) {
      float[] l = batch.get(i).labels();
      for (int t = 0; t < l.length; t++) {
        labels[i * longest + t] = l[t];
        mask[i * longest + t] = 1f;
      }
    }
    boolean perceive = perceptionWeight > 0 && batch.stream().noneMatch(e -> e.task().facts().isEmpty());
    Inputs in = Inputs.of(m, model.config(), images, Inputs.join(prompts, responses));
    TinyVlm.Output out = model.forwardBoth(in, null, perceive);
    NDArray logits = PercevalVerifier.responseLogits(out.text(), prompts, responses);
    NDArray loss = weightedBce(logits, m.create(labels, new Shape(b, longest)), m.create(mask, new Shape(b, longest)), posWeight);
    if (perceive) {
      int[][][] targets = PerceptionTargets.of(batch.stream().map(PrmExample::task).toList(), model.config());
      loss = loss.add(Sft.perceptionLoss(m, out.perception(), targets).mul(m.create(perceptionWeight)));
    }
    return loss;
  }

  /**
   * {@code sum(mask * [w * y * softplus(-x) + (1 - y) * softplus(x)]) / sum(mask)}, with
   * softplus computed stably as {@code max(x, 0) + log(1 + exp(-|x|))}. Constants are 0-d arrays:
   * scalar overloads free their operand before autograd reads it.
   */
  static NDArray weightedBce(NDArray logits, NDArray labels, NDArray mask, float posWeight) {
    NDManager m = logits.getManager();
    NDArray zero = m.create(0f);
    NDArray one = m.create(1f);
    NDArray w = m.create(posWeight);
    NDArray tail = logits.abs().neg().exp().add(one).log();
    NDArray softplusPos = logits.maximum(zero).add(tail);
    NDArray softplusNeg = logits.neg().maximum(zero).add(tail);
    NDArray perToken = labels.mul(w).mul(softplusNeg).add(one.sub(labels).mul(softplusPos));
    return perToken.mul(mask).sum().div(mask.sum());
  }
}
