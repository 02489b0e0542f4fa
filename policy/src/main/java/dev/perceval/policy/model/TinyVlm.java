package dev.perceval.policy.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.perceval.policy.Rng;
import dev.perceval.policy.world.PerceptionClasses;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tiny vision-language transformer, readable in one file: the policy, and (in VERIFIER
 * mode) the Perceval process reward model.
 *
 * <pre>
 *   image (3,S,S) -> [2 x conv3x3+GELU] -> patches (P*P*C) -> linear
 *                 -> + row/col embeddings                             } prefix, bidirectional
 *   text ids      -> token embedding  -> + 1-D position embedding       } causal (policy)
 *   [prefix ; text] -> L x (pre-LN attention + pre-LN GELU MLP) -> LN -> head
 *   head: vocabulary logits (policy) or one error logit per token (verifier, no causal mask)
 * </pre>
 *
 * Parameters live in one manager owned by the model; every activation is created in the
 * caller's sub-manager and is always the first operand of an op, because DJL puts an op's result
 * in its first operand's manager (a parameter first would leak into the model's manager).
 * Scalars in differentiated ops are 0-d arrays: {@code mul(Number)} frees its scalar before
 * autograd reads it.
 */
public final class TinyVlm implements AutoCloseable {
  static final float NEG_INF = -1e9f;
  /**
   * Width of the perception head: per image token, logits over what lies under it. The worlds
   * own the meaning of the classes; the model only reserves as many as the label space they share.
   */
  private static final int PERCEPTION_CLASSES = PerceptionClasses.SHARED.width();
  private static final NDIndex ALL = new NDIndex("...");

  private final VlmConfig cfg;
  private final NDManager manager;
  private final Map<String, NDArray> params = new LinkedHashMap<>();
  /** Never let the model emit padding or begin-of-sequence: both sampling and recompute see it. */
  private final NDArray forbiddenLogits;

  public TinyVlm(VlmConfig cfg, Device device, long seed) {
    this.cfg = cfg;
    this.manager = NDManager.newBaseManager(device);
    Rng rng = Rng.derive(seed, "init");
    int d = cfg.dModel();
    double residualStd = 0.02 / Math.sqrt(2.0 * cfg.layers());
    if (cfg.stemChannels() > 0) {
      int c = cfg.stemChannels();
      params.put("stem1.w", gaussian(rng, Math.sqrt(2.0 / 27), new Shape(c, 3, 3, 3)));
      zeros("stem1.b", c);
      params.put("stem2.w", gaussian(rng, Math.sqrt(2.0 / (9 * c)), new Shape(c, c, 3, 3)));
      zeros("stem2.b", c);
    }
    normal("patch.w", rng, 0.02, cfg.patchDim(), d);
    zeros("patch.b", d);
    normal("img.row", rng, 0.02, cfg.grid(), d);
    normal("img.col", rng, 0.02, cfg.grid(), d);
    normal("tok.emb", rng, 0.02, cfg.vocab(), d);
    normal("pos.emb", rng, 0.02, cfg.maxText(), d);
    for (int l = 0; l < cfg.layers(); l++) {
      String p = "h" + l + ".";
      ones(p + "ln1.g", d);
      zeros(p + "ln1.b", d);
      normal(p + "qkv.w", rng, 0.02, d, 3 * d);
      zeros(p + "qkv.b", 3 * d);
      normal(p + "proj.w", rng, residualStd, d, d);
      zeros(p + "proj.b", d);
      ones(p + "ln2.g", d);
      zeros(p + "ln2.b", d);
      normal(p + "fc.w", rng, 0.02, d, 4 * d);
      zeros(p + "fc.b", 4 * d);
      normal(p + "out.w", rng, residualStd, 4 * d, d);
      zeros(p + "out.b", d);
    }
    ones("lnf.g", d);
    zeros("lnf.b", d);
    normal("head.w", rng, 0.02, d, cfg.outputs());
    normal("percept.w", rng, 0.02, d, PERCEPTION_CLASSES);
    zeros("percept.b", PERCEPTION_CLASSES);
    float[] forbid = new float[cfg.outputs()];
    if (cfg.mode() == VlmConfig.Mode.POLICY) {
      forbid[0] = NEG_INF;
      forbid[1] = NEG_INF;
    }
    forbiddenLogits = manager.create(forbid);
    for (NDArray a : params.values()) {
      a.setRequiresGradient(true);
    }
  }

  public VlmConfig config() {
    return cfg;
  }

  public Device device() {
    return manager.getDevice();
  }

  /** A sub-manager on the model's device for a step's activations or optimizer state; close it when done. */
  public NDManager newSubManager() {
    return manager.newSubManager();
  }

  public Map<String, NDArray> parameters() {
    return Collections.unmodifiableMap(params);
  }

  public long parameterCount() {
    return params.values().stream().mapToLong(a -> a.getShape().size()).sum();
  }

  /**
   * Whether a parameter belongs to the image side (conv stem, patch projection, 2-D position
   * embeddings): what a "freeze the vision tower" option keeps fixed.
   */
  public static boolean isVisionTower(String param) {
    return param.startsWith("stem") || param.startsWith("patch.") || param.startsWith("img.");
  }

  /**
   * Stops gradients to the parameters {@code which} selects: backward skips them and the
   * optimizer leaves them as they are.
   */
  public void freeze(java.util.function.Predicate<String> which) {
    params.forEach((name, p) -> {
      if (which.test(name)) {
        p.setRequiresGradient(false);
      }
    });
  }

  /** Copies values into the parameters in place (keeps gradient tracking and avoids leaks). */
  public void load(Map<String, Tensor> values) {
    for (String name : params.keySet()) {
      // The perception head only shapes training; weights saved before it existed keep its
      // fresh initialisation.
      if (!values.containsKey(name) && !name.startsWith("percept.")) {
        throw new IllegalArgumentException("missing parameter '" + name + "'");
      }
    }
    loadMatching(values);
  }

  /**
   * Copies every given parameter this model also has, e.g. a policy's weights into a verifier
   * whose output head differs; a name present in both with another shape is an error. Returns the
   * names copied.
   */
  public java.util.Set<String> loadMatching(Map<String, Tensor> values) {
    Torch.noGrad();
    java.util.Set<String> copied = new java.util.TreeSet<>();
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      Tensor v = values.get(e.getKey());
      if (v == null) {
        continue;
      }
      if (!v.fits(e.getValue())) {
        throw new IllegalArgumentException("parameter '" + e.getKey() + "' has shape "
            + java.util.Arrays.toString(v.shape()) + ", the model expects " + e.getValue().getShape());
      }
      try (NDManager tmp = manager.newSubManager()) {
        e.getValue().set(ALL, tmp.create(v.data(), e.getValue().getShape()));
      }
      copied.add(e.getKey());
    }
    return copied;
  }

  /** The parameters' current values and shapes, by name. */
  public Map<String, Tensor> export() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, Tensor.of(v)));
    return out;
  }

  /** Full forward; returns logits for every text position, shape (B, T, outputs). */
  public NDArray forward(Inputs in, KvCache cache) {
    return forwardBoth(in, cache, false).text();
  }

  /**
   * Text logits and, if asked, perception logits: of every image token (B, imageTokens, classes),
   * and of every text token (B, T, classes), which a verifier learns to read as "what lies in
   * the cell this token speaks of".
   */
  public record Output(NDArray text, NDArray perception, NDArray textPerception) {}

  public Output forwardBoth(Inputs in, KvCache cache, boolean perception) {
    NDArray x = embedImage(in.images()).concat(embedText(in.tokens(), in.positions()), 1);
    for (int l = 0; l < cfg.layers(); l++) {
      x = block(l, x, in.mask(), cache);
    }
    NDArray text = x.get(new NDIndex(":, {}:, :", cfg.imageTokens()));
    if (!perception) {
      return new Output(logits(text), null, null);
    }
    NDArray percept = norm(x, "lnf").matMul(param("percept.w")).add(param("percept.b"));
    return new Output(logits(text), percept.get(new NDIndex(":, :{}, :", cfg.imageTokens())),
        percept.get(new NDIndex(":, {}:, :", cfg.imageTokens())));
  }

  /**
   * One decoding step against the cache: {@code tokens} and {@code positions} are (B, 1) and
   * {@code mask} is (B, 1, 1, keys) over every cached key plus the new one. Returns (B, 1, V).
   */
  public NDArray step(NDArray tokens, NDArray positions, NDArray mask, KvCache cache) {
    NDArray x = embedText(tokens, positions);
    for (int l = 0; l < cfg.layers(); l++) {
      x = block(l, x, mask, cache);
    }
    return logits(x);
  }

  private NDArray embedImage(NDArray images) {
    long b = images.getShape().get(0);
    int g = cfg.grid();
    int p = cfg.patch();
    NDArray pixels = images;
    if (cfg.stemChannels() > 0) {
      pixels = Activation.gelu(conv(pixels, "stem1"));
      pixels = Activation.gelu(conv(pixels, "stem2"));
    }
    long ch = pixels.getShape().get(1);
    NDArray patches = pixels.reshape(b, ch, g, p, g, p).transpose(0, 2, 4, 1, 3, 5)
        .reshape(b, (long) g * g, cfg.patchDim());
    NDArray x = patches.matMul(param("patch.w")).add(param("patch.b"));
    NDManager m = images.getManager();
    long[] rows = new long[g * g];
    long[] cols = new long[g * g];
    for (int i = 0; i < g * g; i++) {
      rows[i] = i / g;
      cols[i] = i % g;
    }
    NDArray rowEmb = m.create(rows).oneHot(g).matMul(param("img.row"));
    NDArray colEmb = m.create(cols).oneHot(g).matMul(param("img.col"));
    return x.add(rowEmb.add(colEmb));
  }

  private NDArray embedText(NDArray tokens, NDArray positions) {
    NDArray tok = tokens.oneHot(cfg.vocab()).matMul(param("tok.emb"));
    return tok.add(positions.oneHot(cfg.maxText()).matMul(param("pos.emb")));
  }

  private NDArray block(int l, NDArray x, NDArray mask, KvCache cache) {
    String p = "h" + l + ".";
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    int h = cfg.heads();
    int hd = cfg.headDim();
    NDArray qkv = linear(norm(x, p + "ln1"), p + "qkv")
        .reshape(b, n, 3, h, hd).transpose(2, 0, 3, 1, 4);
    NDArray q = qkv.get(0);
    NDArray k = qkv.get(1);
    NDArray v = qkv.get(2);
    if (cache != null) {
      k = cache.appendKeys(l, k);
      v = cache.appendValues(l, v);
    }
    NDArray scale = x.getManager().create((float) (1.0 / Math.sqrt(hd)));
    NDArray att = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(mask).softmax(-1);
    NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(b, n, cfg.dModel());
    x = x.add(linear(y, p + "proj"));
    NDArray mlp = linear(Activation.gelu(linear(norm(x, p + "ln2"), p + "fc")), p + "out");
    return x.add(mlp);
  }

  private NDArray logits(NDArray x) {
    return norm(x, "lnf").matMul(param("head.w")).add(forbiddenLogits);
  }

  private NDArray conv(NDArray x, String name) {
    return Conv2d.conv2d(x, param(name + ".w"), param(name + ".b"), new Shape(1, 1), new Shape(1, 1))
        .singletonOrThrow();
  }

  private NDArray linear(NDArray x, String name) {
    return affine(x, param(name + ".w"), param(name + ".b"));
  }

  /**
   * {@code x w + b} for a weight stored (in, out), as one addmm kernel: torch's linear folds the
   * batch dimensions, where a matmul and a broadcast add would be two kernels and one more
   * activation-sized tensor forward and backward. The transpose is a view.
   */
  static NDArray affine(NDArray x, NDArray w, NDArray b) {
    return Linear.linear(x, w.transpose(), b).singletonOrThrow();
  }

  private NDArray norm(NDArray x, String name) {
    return LayerNorm.layerNorm(x, new Shape(cfg.dModel()), param(name + ".g"), param(name + ".b"), 1e-5f)
        .singletonOrThrow();
  }

  private NDArray param(String name) {
    return params.get(name);
  }

  private void normal(String name, Rng rng, double std, int rows, int cols) {
    params.put(name, gaussian(rng, std, new Shape(rows, cols)));
  }

  private NDArray gaussian(Rng rng, double std, Shape shape) {
    float[] v = new float[(int) shape.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rng.nextGaussian() * std);
    }
    return manager.create(v, shape);
  }

  private void zeros(String name, int n) {
    params.put(name, manager.zeros(new Shape(n), DataType.FLOAT32));
  }

  private void ones(String name, int n) {
    params.put(name, manager.ones(new Shape(n), DataType.FLOAT32));
  }

  @Override
  public void close() {
    manager.close();
  }

  /**
   * Keys and values of every layer for a batch being decoded; owns its arrays. Each layer's
   * buffer is allocated once for the image prefix plus the longest text and written in place,
   * so a step copies only its new keys: growing by concatenation copied the whole cache every
   * step, which cost more than the step's matrix products at these sizes.
   */
  public static final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;
    private long length;

    public KvCache(TinyVlm model) {
      this.manager = model.manager.newSubManager();
      this.keys = new NDArray[model.cfg.layers()];
      this.values = new NDArray[model.cfg.layers()];
      this.capacity = model.cfg.imageTokens() + model.cfg.maxText();
    }

    NDArray appendKeys(int layer, NDArray k) {
      return append(keys, layer, k);
    }

    /** Values come after their layer's keys, so the keys' call has moved the length on. */
    NDArray appendValues(int layer, NDArray v) {
      NDArray out = append(values, layer, v);
      if (layer == keys.length - 1) {
        length += v.getShape().get(2);
      }
      return out;
    }

    private NDArray append(NDArray[] store, int layer, NDArray fresh) {
      Shape shape = fresh.getShape();
      long n = shape.get(2);
      NDArray buffer = store[layer];
      if (buffer == null || length + n > buffer.getShape().get(2)) {
        long size = Math.max(buffer == null ? capacity : 2 * buffer.getShape().get(2), length + n);
        NDArray grown = manager.zeros(new Shape(shape.get(0), shape.get(1), size, shape.get(3)), fresh.getDataType());
        if (buffer != null) {
          try (NDArray kept = buffer.get(new NDIndex(":, :, :{}, :", length))) {
            grown.set(new NDIndex(":, :, :{}, :", length), kept);
          }
          buffer.close();
        }
        buffer = grown;
        store[layer] = buffer;
      }
      buffer.set(new NDIndex(":, :, {}:{}, :", length, length + n), fresh);
      // A view of the filled part, freed with the caller's step like the rest of its arrays.
      NDArray filled = buffer.get(new NDIndex(":, :, :{}, :", length + n));
      filled.attach(fresh.getManager());
      return filled;
    }

    /** Number of cached positions (image prefix included). */
    public long length() {
      return length;
    }

    @Override
    public void close() {
      manager.close();
    }
  }
}
