package dev.perceval.policy;

/**
 * SplitMix64: a tiny, fast generator whose whole state is one long, so it can be checkpointed and
 * restored exactly. java.util.Random and SplittableRandom hide their state, which would break
 * bit-identical resumption.
 */
public final class Rng {
  private long state;

  public Rng(long seed) {
    this.state = seed;
  }

  /** A generator for a named sub-stream, independent of the parent's later draws. */
  public static Rng derive(long seed, Object... parts) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (Object part : parts) {
      h = mix(h ^ (part == null ? 0 : part.toString().hashCode()) * 0xBF58476D1CE4E5B9L);
      if (part instanceof Number n) {
        h = mix(h + n.longValue());
      }
    }
    return new Rng(h);
  }

  public long state() {
    return state;
  }

  public void setState(long state) {
    this.state = state;
  }

  public long nextLong() {
    state += 0x9E3779B97F4A7C15L;
    return mix(state);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    return (int) Math.floorMod(nextLong(), (long) bound);
  }

  /** Standard normal (Box-Muller); used for weight initialisation. */
  public double nextGaussian() {
    double u1 = Math.max(nextDouble(), 1e-300);
    double u2 = nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher-Yates shuffle of an int array in place. */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
