package dev.perceval.policy.world;

/**
 * Which pool a task draws from. The paper's regime has three: a limited set of annotated traces
 * (SFT), many more images with question and answer only (RL prompts, and the verifier's
 * perception-intensive data), and held-out scenes of instances no stage sees. A world with real
 * instances (MNIST digits) draws {@code sft} scenes from a fixed subset of the train pool
 * ({@code perceval.world.sft-instances}); both are disjoint from the held-out pool by the pool rule.
 */
public enum Split {
  SFT("sft"),
  TRAIN("train"),
  HELDOUT("heldout");

  private final String label;

  Split(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public static Split parse(String s) {
    for (Split split : values()) {
      if (split.label.equalsIgnoreCase(s == null ? "" : s.strip())) {
        return split;
      }
    }
    throw new IllegalArgumentException("unknown split '" + s + "' (expected sft, train or heldout)");
  }
}
