package dev.perceval.policy.grpo;

import java.util.List;

/**
 * Perceval's token-level advantages: {@code A'_{i,t} = A_i - alpha * m_{i,t} * |A_i|}, with
 * {@code m_{i,t} = 1} on tokens the verifier flagged. The penalty applies to every response,
 * right or wrong, and nothing is re-normalised afterwards.
 *
 * <p>Two options beyond the paper, both off by default:
 * <ul>
 *   <li>{@code zeroVarianceScale > 0}: in a group whose rewards are all equal every A_i is 0, so
 *       the paper's penalty vanishes; flagged tokens there get {@code -alpha * zeroVarianceScale}.
 *   <li>{@code contentOnly}: the penalty skips function words inside a span ("at"), so only the
 *       words that carry the wrong fact are pushed down.
 * </ul>
 */
public final class TokenAdvantages {
  /** One flagged span {@code [start, end)} in a response's token ids. */
  public record Span(int start, int end) {
    public Span {
      if (start < 0 || end <= start) {
        throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
      }
    }
  }

  /** How flagged spans turn into token penalties. */
  public record Penalty(double alpha, double zeroVarianceScale, boolean contentOnly) {
    public Penalty {
      if (!(alpha >= 0) || !(zeroVarianceScale >= 0)) {
        throw new IllegalArgumentException("alpha and the zero-variance scale must not be negative, got "
            + alpha + " and " + zeroVarianceScale);
      }
    }

    public static Penalty paper(double alpha) {
      return new Penalty(alpha, 0, false);
    }

    public static Penalty none() {
      return new Penalty(0, 0, false);
    }
  }

  private TokenAdvantages() {}

  /**
   * Per-token advantages of one response of {@code length} tokens.
   *
   * @param advantage the response's outcome advantage A_i
   * @param flagged the verifier's spans; tokens beyond {@code length} are ignored
   * @param functionWord per token, whether it is a function word (only read with contentOnly);
   *     null means none is
   * @param groupHasZeroVariance whether every reward in the response's group is equal
   */
  public static float[] of(double advantage, int length, List<Span> flagged, boolean[] functionWord,
      boolean groupHasZeroVariance, Penalty penalty) {
    float[] out = new float[length];
    java.util.Arrays.fill(out, (float) advantage);
    if (penalty.alpha() == 0 || flagged.isEmpty()) {
      return out;
    }
    double perToken = penalty.alpha() * Math.abs(advantage);
    if (groupHasZeroVariance && penalty.zeroVarianceScale() > 0) {
      perToken = penalty.alpha() * penalty.zeroVarianceScale();
    }
    boolean[] masked = mask(length, flagged, penalty.contentOnly() ? functionWord : null);
    for (int t = 0; t < length; t++) {
      if (masked[t]) {
        out[t] = (float) (advantage - perToken);
      }
    }
    return out;
  }

  /** m_{i,t}: 1 inside a flagged span (a token in two overlapping spans is penalised once). */
  public static boolean[] mask(int length, List<Span> flagged, boolean[] functionWord) {
    boolean[] m = new boolean[length];
    for (Span s : flagged) {
      for (int t = s.start(); t < Math.min(s.end(), length); t++) {
        m[t] = functionWord == null || !functionWord[t];
      }
    }
    return m;
  }
}
