package dev.perceval.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.model.Inputs;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.LogProbs;
import dev.perceval.policy.world.World;

/**
 * Supervised warm start by teacher forcing: maximise the log-likelihood of gold responses,
 * averaged over every response token in the batch (token-mean).
 */
public final class Sft {
  private final TinyVlm model;
  private final AdamW optimizer;
  private final Schedule schedule;
  private final World world;
  private final float perceptionWeight;

  public Sft(TinyVlm model, AdamW optimizer, Schedule schedule) {
    this(model, optimizer, schedule, null, 0f);
  }

  /**
   * @param world the world whose tasks the batches hold; it labels what the perception head sees
   * @param perceptionWeight weight of the perception head's loss beside the response loss; 0
   *     trains on responses alone
   */
  public Sft(TinyVlm model, AdamW optimizer, Schedule schedule, World world, float perceptionWeight) {
    if (perceptionWeight > 0 && world == null) {
      throw new IllegalArgumentException("the perception loss needs the world that labels the cells");
    }
    this.model = model;
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.world = world;
    this.perceptionWeight = perceptionWeight;
  }

  /** Result of one optimisation step; {@code perceptionLoss} is NaN when that loss is off. */
  public record StepResult(double loss, double gradNorm, float lr, int tokens, double perceptionLoss) {}

  /** One update on responses alone; {@code step} picks the learning rate. */
  public StepResult step(long step, float[][] images, int[][] prompts, int[][] responses) {
    return step(step, images, prompts, responses, null);
  }

  /** One update on a batch of world tasks, with the perception loss when its weight is above 0. */
  public StepResult step(long step, Batch batch) {
    boolean perceive = perceptionWeight > 0 && batch.tasks().stream().noneMatch(t -> t.facts().isEmpty());
    PerceptionTargets targets = perceive ? PerceptionTargets.of(world, batch.tasks(), model.config()) : null;
    return step(step, batch.images(), batch.prompts(), batch.responses(), targets);
  }

  private StepResult step(long step, float[][] images, int[][] prompts, int[][] responses,
      PerceptionTargets targets) {
    float lr = schedule.at(step);
    double loss;
    double perception = Double.NaN;
    int tokens = 0;
    for (int[] r : responses) {
      tokens += r.length;
    }
    try (NDManager m = model.newSubManager();
        GradientCollector gc = m.getEngine().newGradientCollector()) {
      Inputs in = Inputs.of(m, model.config(), images, Inputs.join(prompts, responses));
      TinyVlm.Output out = model.forwardBoth(in, null, targets != null);
      NDArray lp = LogProbs.fromLogits(m, out.text(), prompts, responses, 1f);
      NDArray nll = lp.sum().neg().div(m.create((float) tokens));
      NDArray total = nll;
      if (targets != null) {
        NDArray p = perceptionLoss(m, out.perception(), targets);
        perception = p.getFloat();
        total = nll.add(p.mul(m.create(perceptionWeight)));
      }
      gc.backward(total);
      loss = nll.getFloat();
    }
    double norm = optimizer.step(lr);
    return new StepResult(loss, norm, lr, tokens, perception);
  }

  /** Mean cross-entropy of the object and colour classes over every image token. */
  public static NDArray perceptionLoss(NDManager m, NDArray logits, PerceptionTargets targets) {
    long b = logits.getShape().get(0);
    long n = logits.getShape().get(1);
    NDArray[] split = splitClasses(logits, targets);
    NDArray pickedObjects = split[0].gather(m.create(flat(targets.objects()), new Shape(b, n, 1)), 2);
    NDArray pickedColours = split[1].gather(m.create(flat(targets.colours()), new Shape(b, n, 1)), 2);
    return pickedObjects.add(pickedColours).mean().neg();
  }

  /**
   * The same cross-entropy averaged over the positions where {@code mask} (B, n) is 1 only; 0
   * when the mask is empty.
   */
  public static NDArray perceptionLoss(NDManager m, NDArray logits, PerceptionTargets targets, float[] mask) {
    long b = logits.getShape().get(0);
    long n = logits.getShape().get(1);
    NDArray[] split = splitClasses(logits, targets);
    NDArray pickedObjects = split[0].gather(m.create(flat(targets.objects()), new Shape(b, n, 1)), 2).squeeze(2);
    NDArray pickedColours = split[1].gather(m.create(flat(targets.colours()), new Shape(b, n, 1)), 2).squeeze(2);
    NDArray w = m.create(mask, new Shape(b, n));
    NDArray count = w.sum().maximum(m.create(1f));
    return pickedObjects.add(pickedColours).mul(w).sum().neg().div(count);
  }

  /** Log-probabilities over the object classes and over the colour classes, in that order. */
  private static NDArray[] splitClasses(NDArray logits, PerceptionTargets targets) {
    long width = logits.getShape().get(2);
    if (width != targets.classes().width()) {
      throw new IllegalArgumentException("the perception head has " + width + " logits but the world labels "
          + targets.classes().width() + " classes");
    }
    int objects = targets.classes().objects().size();
    return new NDArray[] {
        logits.get(new NDIndex(":, :, :{}", objects)).logSoftmax(-1),
        logits.get(new NDIndex(":, :, {}:", objects)).logSoftmax(-1)};
  }

  private static long[] flat(int[][] rows) {
    long[] out = new long[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < rows[i].length; j++) {
        out[i * rows[0].length + j] = rows[i][j];
      }
    }
    return out;
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
