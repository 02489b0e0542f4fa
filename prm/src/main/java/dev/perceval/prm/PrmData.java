package dev.perceval.prm;

import dev.perceval.policy.Rng;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Segment;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Perception-intensive data: (a) gold responses with 1..k claims corrupted by the world's own
 * mistakes, (b) responses sampled from a policy, (c) untouched gold responses as negatives, every
 * one labelled by the oracle. Example {@code i} depends only on (seed, split, i).
 */
public final class PrmData {
  /**
   * Shares of the three sources (they need not sum to one), and how often a corruption moves a
   * claim to an empty cell relative to each other error type.
   */
  public record Mix(double corrupted, double policy, double correct, int maxCorruptions, double positionWeight) {
    /** Every error type equally likely: the evaluation sets. */
    public Mix(double corrupted, double policy, double correct, int maxCorruptions) {
      this(corrupted, policy, correct, maxCorruptions, 1.0);
    }

    public Mix {
      if (!(positionWeight >= 0)) {
        throw new IllegalArgumentException("position weight must not be negative, got " + positionWeight);
      }
      if (corrupted < 0 || policy < 0 || correct < 0 || corrupted + policy + correct <= 0) {
        throw new IllegalArgumentException("prm data mix needs non-negative shares with a positive sum");
      }
      if (maxCorruptions < 1) {
        throw new IllegalArgumentException("max corruptions must be at least 1, got " + maxCorruptions);
      }
    }
  }

  /** Responses a policy gives to tasks; row {@code i} sampled with {@code seeds[i]}. */
  public interface ResponseSource {
    List<int[]> respond(List<Task> tasks, long[] seeds);
  }

  private final World world;
  private final Tokenizer tok;
  private final OracleVerifier oracle;

  public PrmData(World world, Tokenizer tok) {
    this.world = world;
    this.tok = tok;
    this.oracle = new OracleVerifier(world, tok);
  }

  public List<PrmExample> synthesize(Split split, long seed, long from, int n, Mix mix, ResponseSource policy) {
    double total = mix.corrupted() + mix.policy() + mix.correct();
    if (mix.policy() > 0 && policy == null) {
      throw new IllegalArgumentException("the prm data mix asks for policy samples but no policy checkpoint was given");
    }
    PrmExample[] out = new PrmExample[n];
    List<Task> toSample = new ArrayList<>();
    List<Integer> slots = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      long i = from + k;
      Task task = world.task(split, seed, i);
      Rng rng = Rng.derive(seed, "prm-data", split.label(), i);
      double u = rng.nextDouble() * total;
      if (u < mix.corrupted()) {
        out[k] = corrupted(task, rng, mix.maxCorruptions(), mix.positionWeight());
      } else if (u < mix.corrupted() + mix.policy()) {
        toSample.add(task);
        slots.add(k);
        seeds.add(rng.nextLong());
      } else {
        out[k] = labelled(task, tok.encode(task.goldResponse()), "correct");
      }
    }
    if (!toSample.isEmpty()) {
      List<int[]> responses = policy.respond(toSample, seeds.stream().mapToLong(Long::longValue).toArray());
      for (int j = 0; j < slots.size(); j++) {
        out[slots.get(j)] = labelled(toSample.get(j), responses.get(j), "policy");
      }
    }
    return List.of(out);
  }

  /** The gold response with 1..max of its claims made wrong, error types equally likely. */
  public PrmExample corrupted(Task task, Rng rng, int max) {
    return corrupted(task, rng, max, 1.0);
  }

  /**
   * The gold response with 1..max of its claims made wrong; a position error is
   * {@code positionWeight} times as likely as each other type.
   */
  public PrmExample corrupted(Task task, Rng rng, int max, double positionWeight) {
    int[] gold = tok.encode(task.goldResponse());
    List<Segment> claims = Claims.claims(world, tok, gold);
    int[] order = new int[claims.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    rng.shuffle(order);
    int want = 1 + rng.nextInt(Math.min(max, claims.size()));
    String[] replaced = new String[claims.size()];
    int done = 0;
    for (int idx : order) {
      if (done == want) {
        break;
      }
      Fact original = claims.get(idx).claim();
      Optional<Fact> wrong = world.corrupt(original, pickType(world.errorTypes(original), positionWeight, rng),
          task.facts(), rng);
      if (wrong.isPresent()) {
        replaced[idx] = world.claimText(wrong.get());
        done++;
      }
    }
    List<Integer> ids = new ArrayList<>();
    int next = 0;
    for (int c = 0; c < claims.size(); c++) {
      Segment s = claims.get(c);
      for (; next < s.start(); next++) {
        ids.add(gold[next]);
      }
      if (replaced[c] != null) {
        for (int id : tok.encode(replaced[c])) {
          ids.add(id);
        }
        next = s.end();
      }
    }
    for (; next < gold.length; next++) {
      ids.add(gold[next]);
    }
    return labelled(task, ids.stream().mapToInt(Integer::intValue).toArray(), "corrupted");
  }

  private static ErrorType pickType(List<ErrorType> types, double positionWeight, Rng rng) {
    double total = 0;
    for (ErrorType t : types) {
      total += t == ErrorType.POSITION ? positionWeight : 1.0;
    }
    double u = rng.nextDouble() * total;
    for (ErrorType t : types) {
      u -= t == ErrorType.POSITION ? positionWeight : 1.0;
      if (u < 0) {
        return t;
      }
    }
    return types.get(types.size() - 1);
  }

  public PrmExample labelled(Task task, int[] response, String source) {
    List<FlaggedClaim> truth = oracle.verify(task, response);
    float[] labels = new float[response.length];
    for (FlaggedClaim f : truth) {
      for (int t = f.tokenStart(); t < f.tokenEnd(); t++) {
        labels[t] = 1f;
      }
    }
    return new PrmExample(task, response, labels, source, truth);
  }
}
