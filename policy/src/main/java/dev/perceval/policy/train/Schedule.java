package dev.perceval.policy.train;

/** Linear warm-up, then cosine decay to {@code floor * peak} at the last step. */
public record Schedule(float peak, int warmup, int total, float floor) {
  public Schedule {
    if (!(peak > 0) || warmup < 0 || total < 1 || floor < 0 || floor > 1) {
      throw new IllegalArgumentException("bad learning-rate schedule: peak " + peak + ", warmup "
          + warmup + ", total " + total + ", floor " + floor);
    }
  }

  public float at(long step) {
    if (step < warmup) {
      return peak * (step + 1) / (float) warmup;
    }
    double progress = Math.min(1.0, (step - warmup) / (double) Math.max(1, total - warmup));
    double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
    return (float) (peak * (floor + (1 - floor) * cosine));
  }
}
