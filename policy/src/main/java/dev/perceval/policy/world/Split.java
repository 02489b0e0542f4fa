package dev.perceval.policy.world;

/** Which pool a task draws from; held-out scenes use digit instances never seen in training. */
public enum Split {
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
    throw new IllegalArgumentException("unknown split '" + s + "' (expected train or heldout)");
  }
}
