package dev.perceval.policy.grpo;

import dev.perceval.policy.io.SafeTensors;
import dev.perceval.policy.model.Tensor;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A published policy version: the parameters in the bytes of a checkpoint's
 * {@code model.safetensors}, with their sha-256 so that a replica can refuse bytes that were
 * damaged on the way.
 */
public record PolicyWeights(long version, byte[] bytes, String sha256) {

  public WeightsRef ref() {
    return new WeightsRef(version, sha256, bytes.length);
  }

  public static PolicyWeights of(long version, Map<String, Tensor> parameters) {
    byte[] bytes = SafeTensors.toBytes(parameters);
    return new PolicyWeights(version, bytes, sha256(bytes));
  }

  /** Fails unless the bytes match the digest. */
  public void verify() {
    String actual = sha256(bytes);
    if (!actual.equals(sha256)) {
      throw new IllegalStateException("policy weights v" + version + ": sha-256 mismatch (expected "
          + sha256 + ", got " + actual + ")");
    }
  }

  /** The parameters, after checking the bytes against the digest. */
  public Map<String, Tensor> tensors() {
    verify();
    try {
      return SafeTensors.fromBytes(bytes, "policy weights v" + version);
    } catch (IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
