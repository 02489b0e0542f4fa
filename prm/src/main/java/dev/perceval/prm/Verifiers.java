package dev.perceval.prm;

import ai.djl.Device;
import dev.perceval.policy.io.CheckpointException;
import dev.perceval.policy.io.DataRoot;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.World;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one way a verifier is opened from what a spec, request or command names: {@value #ORACLE}
 * for the scene-truth checker, or a Perceval checkpoint whose stored threshold it applies and
 * whose vocabulary must be the policy's (its claim spans index the policy's tokens).
 */
public final class Verifiers {
  /** The name that stands for the scene-truth oracle instead of a checkpoint path. */
  public static final String ORACLE = "oracle";
  /** For checkpoints written before the calibrated threshold was stored. */
  public static final float DEFAULT_THRESHOLD = 0.5f;

  private Verifiers() {}

  /** An open verifier and the model it holds (null for the oracle), which {@link #close} releases. */
  public record Opened(Verifier verifier, TinyVlm model) implements AutoCloseable {
    @Override
    public void close() {
      if (model != null) {
        model.close();
      }
    }
  }

  public static boolean isOracle(String name) {
    return ORACLE.equals(name);
  }

  /**
   * A verifier a request names, as a path under {@code root}; the oracle and "" (none) name no file
   * and stay as they are.
   */
  public static String underRoot(String name, DataRoot root) {
    return name.isBlank() || isOracle(name) ? name : root.resolve("verifier", name);
  }

  /**
   * Refuses, before any work, a name that is neither the oracle nor a readable verifier checkpoint
   * (its header is read, not its weights).
   */
  public static void requireReadable(String name) {
    if (isOracle(name)) {
      return;
    }
    try {
      ModelCheckpoint.header(Path.of(name), "verifier");
    } catch (CheckpointException e) {
      throw new IllegalArgumentException("verifier checkpoint '" + name + "' cannot be used: " + e.getMessage(), e);
    }
  }

  /**
   * Opens the verifier {@code name} for a policy whose tokenizer is {@code policy}.
   *
   * @param batchSize rows per verifier forward pass
   */
  public static Opened open(String name, World world, Tokenizer policy, Device device, int batchSize) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("no verifier given (a Perceval checkpoint or \"" + ORACLE + "\")");
    }
    if (isOracle(name)) {
      return new Opened(new OracleVerifier(world, policy), null);
    }
    ModelCheckpoint.Loaded v = ModelCheckpoint.load(Path.of(name), "verifier", device);
    if (!v.tokenizer().equals(policy)) {
      v.model().close();
      throw new IllegalArgumentException("verifier " + name + " and the policy use different vocabularies");
    }
    return new Opened(stored(v.meta(), v.model(), v.tokenizer(), world, batchSize, null), v.model());
  }

  /**
   * The verifier as its checkpoint stores it (its judging and that judging's threshold), or
   * judging the other way at that way's stored threshold. Checkpoints from before judging was
   * stored judge by tokens.
   */
  public static PercevalVerifier stored(Map<String, String> meta, TinyVlm model, Tokenizer tok, World world,
      int batchSize, PercevalVerifier.Judging as) {
    PercevalVerifier.Judging judging = as != null ? as
        : PercevalVerifier.Judging.parse(meta.getOrDefault("judging", "tokens"));
    String fallback = meta.getOrDefault("threshold", Float.toString(DEFAULT_THRESHOLD));
    float threshold = Float.parseFloat(meta.getOrDefault(thresholdKey(judging),
        judging == PercevalVerifier.Judging.TOKENS ? fallback : Float.toString(DEFAULT_THRESHOLD)));
    return new PercevalVerifier(model, tok, world, threshold, batchSize, judging);
  }

  /** The checkpoint meta key of a judging's calibrated threshold. */
  static String thresholdKey(PercevalVerifier.Judging judging) {
    return "threshold." + judging.name().toLowerCase(java.util.Locale.ROOT);
  }
}
