package dev.perceval.prm;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.Segment;
import dev.perceval.policy.world.World;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Segment-level quality of a verifier against the oracle: precision, recall and F1 over the
 * judged segments (claims, and the statements, reflections and reasoning {@link Claims#judged}
 * adds), recall per error type, and token-level IoU between flagged and truly wrong spans.
 */
public final class PrmEval {
  private PrmEval() {}

  /** Confusion counts over claims plus token overlap; rates are derived. */
  public record Counts(int tp, int fp, int fn, int tn, long tokensBoth, long tokensEither) {
    public double precision() {
      return tp + fp == 0 ? 0 : tp / (double) (tp + fp);
    }

    public double recall() {
      return tp + fn == 0 ? 0 : tp / (double) (tp + fn);
    }

    public double f1() {
      double p = precision();
      double r = recall();
      return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** |flagged tokens and wrong tokens| / |flagged tokens or wrong tokens|; 1 when both are empty. */
    public double spanIou() {
      return tokensEither == 0 ? 1 : tokensBoth / (double) tokensEither;
    }

    public int claims() {
      return tp + fp + fn + tn;
    }

    Counts plus(Counts o) {
      return new Counts(tp + o.tp, fp + o.fp, fn + o.fn, tn + o.tn, tokensBoth + o.tokensBoth,
          tokensEither + o.tokensEither);
    }
  }

  /** Overall counts and per-error-type counts (types only exist for truly wrong claims). */
  public record Report(Counts overall, Map<String, Counts> byErrorType) {}

  /**
   * The lowest threshold of 0.05, 0.10, ..., 0.95 whose segment-level precision on
   * {@code examples} reaches {@code minPrecision}, or the one of best F1 when none does: calibrate
   * on train-split data, never on the held-out sets reported.
   */
  public static float calibratedThreshold(PercevalVerifier verifier, List<PrmExample> examples, double minPrecision) {
    List<List<PercevalVerifier.Scored>> scored = verifier.score(
        examples.stream().map(PrmExample::task).toList(), examples.stream().map(PrmExample::response).toList());
    List<double[]> segments = new java.util.ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      Set<Integer> wrong = new HashSet<>();
      examples.get(i).truth().forEach(f -> wrong.add(f.tokenStart()));
      for (PercevalVerifier.Scored c : scored.get(i)) {
        segments.add(new double[] {c.probability(), wrong.contains(c.segment().start()) ? 1 : 0});
      }
    }
    float bestF1Threshold = 0.5f;
    double bestF1 = -1;
    for (int k = 1; k <= 19; k++) {
      float th = k * 0.05f;
      int tp = 0;
      int fp = 0;
      int fn = 0;
      for (double[] c : segments) {
        boolean flagged = c[0] > th;
        tp += flagged && c[1] == 1 ? 1 : 0;
        fp += flagged && c[1] == 0 ? 1 : 0;
        fn += !flagged && c[1] == 1 ? 1 : 0;
      }
      Counts counts = new Counts(tp, fp, fn, 0, 0, 0);
      if (tp > 0 && counts.precision() >= minPrecision) {
        return th;
      }
      if (counts.f1() > bestF1) {
        bestF1 = counts.f1();
        bestF1Threshold = th;
      }
    }
    return bestF1Threshold;
  }

  /**
   * The same verifier shown a black image instead of the task's: what it finds from the response
   * text alone. On a set without text shortcuts it is near guessing.
   */
  public static Verifier blankImage(Verifier verifier) {
    return (tasks, responses) -> verifier.verify(tasks.stream().map(t -> new Task(t.id(), t.world(), t.family(),
        t.question(), t.goldResponse(), t.answer(), t.facts(), new float[t.image().length], t.imageSize())).toList(),
        responses);
  }

  /** Flags every judged segment: the F1 a verifier reaches without judging anything. */
  public static Verifier flagEverything(World world, Tokenizer tok) {
    return (tasks, responses) -> responses.stream().map(r -> Claims.judged(world, tok, r).stream()
        .map(s -> new FlaggedClaim(s.text(), s.start(), s.end(), 1.0, null)).toList()).toList();
  }

  public static Report evaluate(Verifier verifier, World world, Tokenizer tok, List<PrmExample> examples) {
    List<List<FlaggedClaim>> predicted = verifier.verify(
        examples.stream().map(PrmExample::task).toList(), examples.stream().map(PrmExample::response).toList());
    Counts overall = new Counts(0, 0, 0, 0, 0, 0);
    Map<String, Counts> byType = new TreeMap<>();
    for (int i = 0; i < examples.size(); i++) {
      PrmExample e = examples.get(i);
      Set<Integer> flagged = new HashSet<>();
      predicted.get(i).forEach(f -> flagged.add(f.tokenStart()));
      Map<Integer, FlaggedClaim> wrong = new TreeMap<>();
      e.truth().forEach(f -> wrong.put(f.tokenStart(), f));
      for (Segment s : Claims.judged(world, tok, e.response())) {
        boolean isWrong = wrong.containsKey(s.start());
        boolean isFlagged = flagged.contains(s.start());
        int len = s.end() - s.start();
        Counts c = new Counts(isWrong && isFlagged ? 1 : 0, !isWrong && isFlagged ? 1 : 0,
            isWrong && !isFlagged ? 1 : 0, !isWrong && !isFlagged ? 1 : 0,
            isWrong && isFlagged ? len : 0, isWrong || isFlagged ? len : 0);
        overall = overall.plus(c);
        if (isWrong) {
          byType.merge(wrong.get(s.start()).errorType().name().toLowerCase(), c, Counts::plus);
        }
      }
    }
    return new Report(overall, byType);
  }
}
