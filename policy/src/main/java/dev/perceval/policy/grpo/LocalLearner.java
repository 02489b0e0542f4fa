package dev.perceval.policy.grpo;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.perceval.policy.Rng;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.io.StepCheckpoints;
import dev.perceval.policy.model.Inputs;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.sampling.LogProbs;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Schedule;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The learner in this process: the trainable policy, a frozen reference for the KL term, and
 * AdamW. When a step makes several updates it first recomputes the old log-probs with the
 * weights that sampled (so the later updates are proper PPO); it cuts the batch into
 * mini-batches (one update each) and those into micro-batches (gradient accumulation) for
 * {@code ppo-epochs} passes.
 */
public final class LocalLearner implements Learner, AutoCloseable {
  private final TinyVlm policy;
  private final TinyVlm reference;
  private final AdamW optimizer;
  private final Tokenizer tok;
  private final Function<TaskId, Task> tasks;
  private final CampaignSpec spec;
  private final Schedule schedule;
  private final Path checkpoints;
  private final Map<String, String> meta;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private long version;
  private PolicyWeights published;

  /**
   * @param reference frozen copy of the initial policy; may be null when the KL coefficient is 0
   * @param startVersion the version of the weights {@code policy} holds (the completed step count)
   */
  public LocalLearner(TinyVlm policy, TinyVlm reference, AdamW optimizer, Tokenizer tok,
      Function<TaskId, Task> tasks, CampaignSpec spec, Path checkpoints, Map<String, String> meta, long startVersion) {
    if (spec.update().klCoef() > 0 && reference == null) {
      throw new IllegalArgumentException("actor.kl-coef is above 0 but no reference model was given");
    }
    if (spec.update().freezeVisionTower()) {
      policy.freeze(TinyVlm::isVisionTower);
    }
    this.policy = policy;
    this.reference = reference;
    this.optimizer = optimizer;
    this.tok = tok;
    this.tasks = tasks;
    this.spec = spec;
    CampaignSpec.Update a = spec.update();
    int updatesPerStep = a.ppoEpochs() * a.miniBatches();
    this.schedule = new Schedule(a.lr(), a.warmup() * updatesPerStep, Math.max(1, spec.steps() * updatesPerStep), 1f);
    this.checkpoints = checkpoints;
    this.meta = meta;
    this.version = startVersion;
  }

  /**
   * The learner of a campaign, with models it owns and closes: the policy from {@code resumeFrom}
   * (its weights, moments and step) or else from the spec's starting checkpoint, the frozen
   * reference from the starting checkpoint when the KL coefficient is above 0, and AdamW.
   */
  public static LocalLearner open(CampaignSpec spec, Path resumeFrom, World world, Device device) {
    Path start = Path.of(spec.policy());
    List<AutoCloseable> owned = new ArrayList<>();
    try {
      ModelCheckpoint.Loaded init = ModelCheckpoint.load(resumeFrom != null ? resumeFrom : start, "policy", device);
      owned.add(init.model());
      TinyVlm reference = null;
      if (spec.update().klCoef() > 0) {
        reference = ModelCheckpoint.load(start, "policy", device).model();
        owned.add(reference);
      }
      CampaignSpec.Update a = spec.update();
      AdamW optimizer = new AdamW(init.model(), new AdamW.Hyper(0.9f, 0.999f, 1e-8f, a.weightDecay(), a.gradClip()));
      owned.add(optimizer);
      if (resumeFrom != null) {
        init.restore(optimizer);
      }
      Map<String, String> meta = new LinkedHashMap<>(init.meta());
      meta.put("world", world.name());
      meta.put("campaign", spec.name());
      LocalLearner learner = new LocalLearner(init.model(), reference, optimizer, init.tokenizer(), world::task, spec,
          spec.outDir().resolve("checkpoints"), meta, resumeFrom != null ? init.step() : 0);
      learner.owned.addAll(owned);
      return learner;
    } catch (RuntimeException e) {
      closeAll(owned);
      throw e;
    }
  }

  public TinyVlm policy() {
    return policy;
  }

  public Tokenizer tokenizer() {
    return tok;
  }

  /** The completed steps the policy's weights hold. */
  public long version() {
    return version;
  }

  @Override
  public Result train(long step, List<Sample> batch) {
    CampaignSpec.Update a = spec.update();
    int n = batch.size();
    float[][] images = new float[n][];
    int[][] prompts = new int[n][];
    int[][] responses = new int[n][];
    for (int i = 0; i < n; i++) {
      Task t = tasks.apply(batch.get(i).taskId());
      images[i] = t.image();
      prompts[i] = tok.prompt(t.question());
      responses[i] = batch.get(i).response();
    }
    float temperature = spec.rollout().temperature();
    // With one update per step the weights being trained are the ones that sampled: the old
    // log-probs are the training pass's own, detached (as TRL does), and a forward is saved.
    float[][] old = recomputesOldLogProbs(a) ? logProbs(policy, images, prompts, responses, temperature) : null;
    float[][] ref = a.klCoef() > 0 ? logProbs(reference, images, prompts, responses, temperature) : null;
    Double agreement = a.gradAgreement() ? gradientAgreement(images, prompts, responses, batch, old, ref) : null;
    Sums sums = new Sums();
    Rng order = Rng.derive(spec.seed(), "learner-order", step);
    long updates = optimizer.steps();
    for (int epoch = 0; epoch < a.ppoEpochs(); epoch++) {
      int[] perm = new int[n];
      for (int i = 0; i < n; i++) {
        perm[i] = i;
      }
      if (a.miniBatches() > 1 || a.ppoEpochs() > 1) {
        order.shuffle(perm);
      }
      for (int mb = 0; mb < a.miniBatches(); mb++) {
        int from = mb * n / a.miniBatches();
        int to = (mb + 1) * n / a.miniBatches();
        int[] rows = java.util.Arrays.copyOfRange(perm, from, to);
        int[] lengths = new int[rows.length];
        for (int k = 0; k < rows.length; k++) {
          lengths[k] = responses[rows[k]].length;
        }
        LossAggregation.Norm norm = LossAggregation.Norm.of(lengths, spec.rollout().maxNewTokens());
        for (int mf = 0; mf < rows.length; mf += a.microBatch()) {
          int[] micro = java.util.Arrays.copyOfRange(rows, mf, Math.min(rows.length, mf + a.microBatch()));
          microStep(micro, images, prompts, responses, batch, old, ref, norm, sums);
        }
        sums.gradNorm += optimizer.step(schedule.at(updates++));
        sums.updates++;
      }
    }
    version++;
    Map<String, Double> metrics = sums.metrics(schedule.at(updates - 1));
    if (agreement != null) {
      metrics = new LinkedHashMap<>(metrics);
      metrics.put("actor/grad_agreement", agreement);
    }
    return new Result(version, metrics);
  }

  /**
   * The cosine between the loss gradients of the batch's even and odd groups, each taken as a
   * mini-batch of its own; the weights, the optimizer and the gradients it will see are untouched.
   */
  private double gradientAgreement(float[][] images, int[][] prompts, int[][] responses, List<Sample> batch,
      float[][] old, float[][] ref) {
    int g = spec.groupSize();
    List<float[]> halves = new ArrayList<>();
    for (int parity = 0; parity < 2; parity++) {
      List<Integer> rows = new ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        if ((i / g) % 2 == parity) {
          rows.add(i);
        }
      }
      int[] r = rows.stream().mapToInt(Integer::intValue).toArray();
      int[] lengths = java.util.Arrays.stream(r).map(i -> responses[i].length).toArray();
      LossAggregation.Norm norm = LossAggregation.Norm.of(lengths, spec.rollout().maxNewTokens());
      for (int mf = 0; mf < r.length; mf += spec.update().microBatch()) {
        microStep(java.util.Arrays.copyOfRange(r, mf, Math.min(r.length, mf + spec.update().microBatch())),
            images, prompts, responses, batch, old, ref, norm, new Sums());
      }
      halves.add(takeGradient());
    }
    double dot = 0;
    double a2 = 0;
    double b2 = 0;
    for (int i = 0; i < halves.get(0).length; i++) {
      dot += (double) halves.get(0)[i] * halves.get(1)[i];
      a2 += (double) halves.get(0)[i] * halves.get(0)[i];
      b2 += (double) halves.get(1)[i] * halves.get(1)[i];
    }
    return a2 == 0 || b2 == 0 ? 0 : dot / Math.sqrt(a2 * b2);
  }

  /** The trainable parameters' gradients, flattened, which are then zeroed. */
  private float[] takeGradient() {
    Torch.noGrad();
    List<float[]> parts = new ArrayList<>();
    int total = 0;
    try (NDManager tmp = policy.newSubManager()) {
      for (NDArray p : policy.parameters().values()) {
        if (p.hasGradient()) {
          NDArray grad = p.getGradient();
          grad.attach(tmp);
          float[] values = grad.toFloatArray();
          parts.add(values);
          total += values.length;
          grad.subi(grad);
        }
      }
    }
    float[] out = new float[total];
    int at = 0;
    for (float[] part : parts) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  private void microStep(int[] rows, float[][] images, int[][] prompts, int[][] responses, List<Sample> batch,
      float[][] old, float[][] ref, LossAggregation.Norm norm, Sums sums) {
    CampaignSpec.Update a = spec.update();
    int b = rows.length;
    float[][] img = new float[b][];
    int[][] pr = new int[b][];
    int[][] rs = new int[b][];
    int[] lengths = new int[b];
    for (int k = 0; k < b; k++) {
      img[k] = images[rows[k]];
      pr[k] = prompts[rows[k]];
      rs[k] = responses[rows[k]];
      lengths[k] = rs[k].length;
    }
    int longest = LogProbs.longest(rs);
    try (NDManager m = policy.newSubManager();
        GradientCollector gc = m.getEngine().newGradientCollector()) {
      Inputs in = Inputs.of(m, policy.config(), img, Inputs.join(pr, rs));
      LogProbs.Scored sc = LogProbs.scored(m, policy.forward(in, null), pr, rs, spec.rollout().temperature(), true);
      NDArray oldLp = old == null ? sc.logProbs().stopGradient()
          : m.create(padded(rows, old, longest), new Shape(b, longest));
      NDArray adv = m.create(padded(rows, batch.stream().map(Sample::advantages).toArray(float[][]::new), longest),
          new Shape(b, longest));
      PolicyLoss.Result r = PolicyLoss.of(sc.logProbs(), oldLp, adv, a.clip());
      NDArray pg = a.lossAgg().aggregate(r.loss(), lengths, norm);
      NDArray total = pg;
      NDArray mask = LogProbs.mask(m, rs, longest);
      if (ref != null) {
        NDArray kl = a.klEstimator().apply(sc.logProbs(), m.create(padded(rows, ref, longest), new Shape(b, longest)))
            .mul(mask);
        total = pg.add(a.lossAgg().aggregate(kl, lengths, norm).mul(m.create(a.klCoef())));
        sums.kl += kl.sum().getFloat();
      }
      gc.backward(total);
      sums.pgLoss += pg.getFloat();
      sums.tokens += norm.tokens() == 0 ? 0 : java.util.Arrays.stream(lengths).sum();
      sums.clipped += r.clipped().mul(mask).sum().getFloat();
      sums.dualClipped += r.dualClipped().mul(mask).sum().getFloat();
      sums.entropy += sc.entropy().sum().getFloat();
      sums.ppoKl += oldLp.sub(sc.logProbs()).mul(mask).sum().getFloat();
    }
  }

  /** Whether a step scores the batch with a separate forward before updating (more than one update per step). */
  public static boolean recomputesOldLogProbs(CampaignSpec.Update a) {
    return a.ppoEpochs() * a.miniBatches() > 1;
  }

  private static float[] padded(int[] rows, float[][] values, int longest) {
    float[] out = new float[rows.length * longest];
    for (int k = 0; k < rows.length; k++) {
      float[] v = values[rows[k]];
      System.arraycopy(v, 0, out, k * longest, Math.min(v.length, longest));
    }
    return out;
  }

  /** Log-probs of the responses under {@code model}, without a graph, row by row as float arrays. */
  private float[][] logProbs(TinyVlm model, float[][] images, int[][] prompts, int[][] responses, float temperature) {
    Torch.noGrad();
    int n = responses.length;
    float[][] out = new float[n][];
    int micro = spec.update().microBatch();
    for (int from = 0; from < n; from += micro) {
      int to = Math.min(n, from + micro);
      int[][] rs = java.util.Arrays.copyOfRange(responses, from, to);
      try (NDManager m = model.newSubManager()) {
        NDArray lp = LogProbs.of(model, m, java.util.Arrays.copyOfRange(images, from, to),
            java.util.Arrays.copyOfRange(prompts, from, to), rs, temperature);
        float[] flat = lp.toFloatArray();
        int longest = LogProbs.longest(rs);
        for (int i = from; i < to; i++) {
          out[i] = java.util.Arrays.copyOfRange(flat, (i - from) * longest, (i - from) * longest + responses[i].length);
        }
      }
    }
    return out;
  }

  @Override
  public WeightsRef publish() {
    published = PolicyWeights.of(version, policy.export());
    return published.ref();
  }

  /** The bytes of a published version, for a sampler to fetch. */
  public PolicyWeights weights(WeightsRef ref) {
    if (published == null || published.version() != ref.version() || !published.sha256().equals(ref.sha256())) {
      throw new IllegalStateException("weights v" + ref.version() + " are not the ones published"
          + (published == null ? "" : " (v" + published.version() + ")"));
    }
    return published;
  }

  /** Writes {@code step-N} under the checkpoint folder, then keeps only the newest {@code trainer.keep-checkpoints}. */
  @Override
  public Path checkpoint(long step) {
    StepCheckpoints all = new StepCheckpoints(checkpoints);
    Path dir = all.of(step);
    ModelCheckpoint.save(dir, "policy", policy, tok, optimizer, step, Map.of("seed", spec.seed()), meta);
    all.prune(spec.trainer().keepCheckpoints());
    return dir;
  }

  /** Closes the optimizer, and the models when {@link #open} loaded them. */
  @Override
  public void close() {
    if (owned.isEmpty()) {
      optimizer.close();
    }
    closeAll(owned);
    owned.clear();
  }

  /** In reverse order of opening: the optimizer before the model it updates. */
  private static void closeAll(List<AutoCloseable> all) {
    for (int i = all.size() - 1; i >= 0; i--) {
      AutoCloseable c = all.get(i);
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot release " + c + ": " + e.getMessage(), e);
      }
    }
  }

  /** Running sums over a step's micro-batches; rates are per valid token. */
  private static final class Sums {
    double pgLoss;
    double kl;
    double clipped;
    double dualClipped;
    double entropy;
    double ppoKl;
    double gradNorm;
    long tokens;
    int updates;

    Map<String, Double> metrics(float lr) {
      Map<String, Double> m = new LinkedHashMap<>();
      double t = Math.max(1, tokens);
      m.put("actor/pg_loss", pgLoss / Math.max(1, updates));
      m.put("actor/pg_clipfrac", clipped / t);
      m.put("actor/pg_clipfrac_lower", dualClipped / t);
      m.put("actor/ppo_kl", ppoKl / t);
      m.put("actor/kl_loss", kl / t);
      m.put("actor/entropy", entropy / t);
      m.put("actor/grad_norm", gradNorm / Math.max(1, updates));
      m.put("actor/lr", (double) lr);
      return m;
    }
  }
}
