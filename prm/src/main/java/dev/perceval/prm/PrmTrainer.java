package dev.perceval.prm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.perceval.policy.model.Inputs;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.PerceptionTargets;
import dev.perceval.policy.train.Schedule;
import dev.perceval.policy.train.Sft;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.PerceptionClasses;
import dev.perceval.policy.world.Segment;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.List;

/**
 * Supervised training of the verifier. The error loss is binary cross-entropy either per judged
 * segment ({@link Claims#judged}), on the mean error logit of its tokens (what
 * {@link PercevalVerifier} scores), or per token, every token of a wrong segment labelled 1. Beside it, the perception loss teaches every
 * image token what lies in its grid cell.
 */
public final class PrmTrainer {
  /** Where the error loss is applied. */
  public enum Loss {
    CLAIM, TOKEN;

    public static Loss parse(String name) {
      return switch (name) {
        case "claim" -> CLAIM;
        case "token" -> TOKEN;
        default -> throw new IllegalArgumentException("unknown prm loss '" + name + "' (expected claim or token)");
      };
    }
  }

  private final TinyVlm model;
  private final AdamW optimizer;
  private final Schedule schedule;
  private final Tokenizer tok;
  private final World world;
  private final Loss mode;
  private final float posWeight;
  private final float perceptionWeight;

  /**
   * @param posWeight loss weight of wrong claims (or their tokens) relative to correct ones
   * @param perceptionWeight weight of the perception head's loss beside the error loss
   */
  public PrmTrainer(TinyVlm model, AdamW optimizer, Schedule schedule, Tokenizer tok, World world, Loss mode,
      float posWeight, float perceptionWeight) {
    this.model = model;
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.tok = tok;
    this.world = world;
    this.mode = mode;
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

  /**
   * One update of the perception loss alone, on images and questions: a cheap warm-up that
   * teaches the encoder to read before it learns to judge claims. {@code lr} is given because
   * the warm-up runs before the main schedule.
   */
  public StepResult perceptionStep(float lr, List<Task> tasks) {
    double loss;
    try (NDManager m = model.newSubManager();
        GradientCollector gc = m.getEngine().newGradientCollector()) {
      float[][] images = new float[tasks.size()][];
      int[][] prompts = new int[tasks.size()][];
      for (int i = 0; i < tasks.size(); i++) {
        images[i] = tasks.get(i).image();
        prompts[i] = tok.prompt(tasks.get(i).question());
      }
      Inputs in = Inputs.of(m, model.config(), images, Inputs.join(prompts, null));
      NDArray l = Sft.perceptionLoss(m, model.forwardBoth(in, null, true).perception(),
          PerceptionTargets.of(world, tasks, model.config()));
      gc.backward(l);
      loss = l.getFloat();
    }
    return new StepResult(loss, optimizer.step(lr), lr);
  }

  /** The training loss on a batch, without updating. */
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
    for (int i = 0; i < b; i++) {
      PrmExample e = batch.get(i);
      images[i] = e.task().image();
      prompts[i] = tok.prompt(e.task().question());
      responses[i] = e.response();
    }
    boolean perceive = perceptionWeight > 0 && batch.stream().noneMatch(e -> e.task().facts().isEmpty());
    int[][] text = Inputs.join(prompts, responses);
    Inputs in = Inputs.of(m, model.config(), images, text);
    TinyVlm.Output out = model.forwardBoth(in, null, perceive);
    NDArray logits = PercevalVerifier.responseLogits(out.text(), prompts, responses);
    NDArray loss = mode == Loss.CLAIM ? claimLoss(m, logits, batch) : tokenLoss(m, logits, batch);
    if (perceive) {
      PerceptionTargets targets = PerceptionTargets.of(world, batch.stream().map(PrmExample::task).toList(),
          model.config());
      NDArray seeing = Sft.perceptionLoss(m, out.perception(), targets);
      int promptWidth = text[0].length - (int) logits.getShape().get(1);
      float[] mask = new float[b * text[0].length];
      PerceptionTargets grounding = groundingTargets(batch, promptWidth, text[0].length, mask);
      NDArray grounded = Sft.perceptionLoss(m, out.textPerception(), grounding, mask);
      loss = loss.add(seeing.add(grounded).mul(m.create(perceptionWeight)));
    }
    return loss;
  }

  /**
   * Targets for the perception head on the text: every token of a claim learns what actually
   * lies in the cell the claim names (an object, or nothing). It is the dense signal that binds a
   * claim's words to the right image tokens; judging the claim is then a comparison.
   */
  private PerceptionTargets groundingTargets(List<PrmExample> batch, int promptWidth, int width, float[] mask) {
    PerceptionClasses classes = world.perceptionClasses();
    int[][] objects = new int[batch.size()][width];
    int[][] colours = new int[batch.size()][width];
    for (int i = 0; i < batch.size(); i++) {
      PrmExample e = batch.get(i);
      for (Segment s : Claims.claims(world, tok, e.response())) {
        Fact there = null;
        for (Fact f : e.task().facts()) {
          if (f.row() == s.claim().row() && f.col() == s.claim().col()) {
            there = f;
          }
        }
        for (int t = s.start(); t < s.end(); t++) {
          objects[i][promptWidth + t] = classes.objectClass(there);
          colours[i][promptWidth + t] = classes.colourClass(there);
          mask[i * width + promptWidth + t] = 1f;
        }
      }
    }
    return new PerceptionTargets(classes, objects, colours);
  }

  private NDArray tokenLoss(NDManager m, NDArray logits, List<PrmExample> batch) {
    int b = batch.size();
    int longest = (int) logits.getShape().get(1);
    float[] labels = new float[b * longest];
    float[] mask = new float[b * longest];
    for (int i = 0; i < b; i++) {
      float[] l = batch.get(i).labels();
      for (int t = 0; t < l.length; t++) {
        labels[i * longest + t] = l[t];
        mask[i * longest + t] = 1f;
      }
    }
    return weightedBce(logits, m.create(labels, new Shape(b, longest)), m.create(mask, new Shape(b, longest)), posWeight);
  }

  /**
   * Segment logits are a pooling matrix (B, C, L) times the token logits (B, L, 1): row c of a
   * response holds 1/len over judged segment c's tokens. Responses without any contribute nothing.
   */
  private NDArray claimLoss(NDManager m, NDArray logits, List<PrmExample> batch) {
    int b = batch.size();
    int longest = (int) logits.getShape().get(1);
    List<List<Segment>> segments = batch.stream().map(e -> Claims.judged(world, tok, e.response())).toList();
    int most = Math.max(1, segments.stream().mapToInt(List::size).max().orElse(0));
    float[] pool = new float[b * most * longest];
    float[] labels = new float[b * most];
    float[] mask = new float[b * most];
    for (int i = 0; i < b; i++) {
      java.util.Set<Integer> wrong = new java.util.HashSet<>();
      batch.get(i).truth().forEach(f -> wrong.add(f.tokenStart()));
      for (int c = 0; c < segments.get(i).size(); c++) {
        Segment s = segments.get(i).get(c);
        for (int t = s.start(); t < s.end(); t++) {
          pool[(i * most + c) * longest + t] = 1f / (s.end() - s.start());
        }
        labels[i * most + c] = wrong.contains(s.start()) ? 1f : 0f;
        mask[i * most + c] = 1f;
      }
    }
    NDArray segmentLogits = m.create(pool, new Shape(b, most, longest)).matMul(logits.expandDims(2)).squeeze(2);
    return weightedBce(segmentLogits, m.create(labels, new Shape(b, most)), m.create(mask, new Shape(b, most)), posWeight);
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
    return perToken.mul(mask).sum().div(mask.sum().maximum(one));
  }
}
