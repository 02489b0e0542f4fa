package dev.perceval.prm;

import dev.perceval.policy.Rng;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Answers;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Reflections;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Perception-intensive data: (a) gold readings with 1..k claims made wrong, (b) responses sampled
 * from a policy, (c) correct readings as negatives, every one labelled by the oracle. A made-up
 * response carries no text shortcut: its claims come in a shuffled order, and its reasoning and
 * answer are derived from what it claims (a consistent hallucination), so only the image tells a
 * wrong claim from a right one. Beside the world's own mistakes, a corrupted response may make
 * the evasions {@link dev.perceval.policy.world.Judge} judges: a half claim, a reflection in place
 * of a claim, an object left out. Example {@code i} depends only on (seed, split, i).
 */
public final class PrmData {
  /**
   * Shares of the three sources (they need not sum to one); how often a corruption moves a claim
   * to an empty cell, and how often it is each evasion, relative to each other error type.
   */
  public record Mix(double corrupted, double policy, double correct, int maxCorruptions, double positionWeight,
      double evasionWeight) {
    /** Every mistake of the world and every evasion equally likely: the evaluation sets. */
    public Mix(double corrupted, double policy, double correct, int maxCorruptions) {
      this(corrupted, policy, correct, maxCorruptions, 1.0, 1.0);
    }

    public Mix {
      if (!(positionWeight >= 0) || !(evasionWeight >= 0)) {
        throw new IllegalArgumentException("position and evasion weights must not be negative, got "
            + positionWeight + " and " + evasionWeight);
      }
      if (corrupted < 0 || policy < 0 || correct < 0 || corrupted + policy + correct <= 0) {
        throw new IllegalArgumentException("prm data mix needs non-negative shares with a positive sum");
      }
      if (maxCorruptions < 1) {
        throw new IllegalArgumentException("max corruptions must be at least 1, got " + maxCorruptions);
      }
    }
  }

  /** The evasions a made-up response can make, as Judge names them. */
  static final List<ErrorType> EVASIONS = List.of(ErrorType.MALFORMED, ErrorType.EVASION, ErrorType.OMISSION);

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
        out[k] = corrupted(task, rng, mix.maxCorruptions(), mix.positionWeight(), mix.evasionWeight());
      } else if (u < mix.corrupted() + mix.policy()) {
        toSample.add(task);
        slots.add(k);
        seeds.add(rng.nextLong());
      } else {
        out[k] = correct(task, rng);
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

  /** A made-up response with 1..max of its claims made wrong, the world's error types equally likely. */
  public PrmExample corrupted(Task task, Rng rng, int max) {
    return corrupted(task, rng, max, 1.0, 0.0);
  }

  /**
   * A made-up response with 1..max of its claims made wrong: a position error is
   * {@code positionWeight} times as likely as each other mistake of the world, and each evasion
   * {@code evasionWeight} times.
   */
  public PrmExample corrupted(Task task, Rng rng, int max, double positionWeight, double evasionWeight) {
    List<Fact> facts = task.facts();
    int[] order = shuffled(facts.size(), rng);
    int want = 1 + rng.nextInt(Math.min(max, facts.size()));
    Fact[] stated = facts.toArray(Fact[]::new);
    ErrorType[] made = new ErrorType[facts.size()];
    int done = 0;
    for (int idx : order) {
      if (done == want) {
        break;
      }
      ErrorType type = pickType(world.errorTypes(facts.get(idx)), positionWeight, evasionWeight, rng);
      if (EVASIONS.contains(type)) {
        made[idx] = type;
        done++;
        continue;
      }
      List<Fact> taken = new ArrayList<>(facts);
      taken.addAll(List.of(stated));
      Optional<Fact> wrong = world.corrupt(facts.get(idx), type, taken, rng);
      if (wrong.isPresent()) {
        stated[idx] = wrong.get();
        made[idx] = type;
        done++;
      }
    }
    return labelled(task, tok.encode(response(task, stated, made, rng)), "corrupted");
  }

  /** A made-up response that reads the scene right, in a shuffled order. */
  public PrmExample correct(Task task, Rng rng) {
    Fact[] stated = task.facts().toArray(Fact[]::new);
    return labelled(task, tok.encode(response(task, stated, new ErrorType[stated.length], rng)), "correct");
  }

  /**
   * The response that states {@code stated} in a shuffled order, makes the evasions in
   * {@code made}, and reasons over what it read. Where the question has no answer over that
   * reading (the digit at a cell it left out), the gold reasoning stands in.
   */
  private String response(Task task, Fact[] stated, ErrorType[] made, Rng rng) {
    int[] order = shuffled(stated.length, rng);
    List<Integer> plain = new ArrayList<>();
    for (int idx : order) {
      if (made[idx] == null) {
        plain.add(idx);
      }
    }
    int reflectOn = !plain.isEmpty() && rng.nextDouble() < Reflections.RATE ? plain.get(rng.nextInt(plain.size())) : -1;
    List<String> thinking = new ArrayList<>();
    List<Fact> read = new ArrayList<>();
    for (int idx : order) {
      String claim = world.claimText(stated[idx]);
      ErrorType type = made[idx];
      if (type == ErrorType.OMISSION) {
        continue;
      }
      if (type == ErrorType.EVASION) {
        thinking.add(Reflections.sentence(claim));
        continue;
      }
      if (idx == reflectOn) {
        thinking.add(Reflections.sentence(claim));
      }
      thinking.add(type == ErrorType.MALFORMED ? partial(claim, rng) : claim);
      read.add(stated[idx]);
    }
    World.Reasoned reasoned = world.reason(task, read).orElseGet(() -> world.reason(task, task.facts()).orElseThrow());
    thinking.add(reasoned.reasoning());
    return Answers.response(thinking, reasoned.answer());
  }

  /** Half a claim: without its first word, without its "at", or only its cell. */
  private static String partial(String claim, Rng rng) {
    List<String> w = List.of(claim.split(" "));
    int at = w.lastIndexOf("at");
    return switch (rng.nextInt(3)) {
      case 0 -> String.join(" ", w.subList(1, w.size()));
      case 1 -> String.join(" ", w.subList(0, at)) + " " + String.join(" ", w.subList(at + 1, w.size()));
      default -> String.join(" ", w.subList(at + 1, w.size()));
    };
  }

  private static int[] shuffled(int n, Rng rng) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    rng.shuffle(order);
    return order;
  }

  private static ErrorType pickType(List<ErrorType> types, double positionWeight, double evasionWeight, Rng rng) {
    List<ErrorType> all = new ArrayList<>(types);
    all.addAll(EVASIONS);
    double total = 0;
    for (ErrorType t : all) {
      total += weight(t, positionWeight, evasionWeight);
    }
    double u = rng.nextDouble() * total;
    for (ErrorType t : all) {
      u -= weight(t, positionWeight, evasionWeight);
      if (u < 0) {
        return t;
      }
    }
    return types.get(types.size() - 1);
  }

  private static double weight(ErrorType t, double positionWeight, double evasionWeight) {
    return EVASIONS.contains(t) ? evasionWeight : t == ErrorType.POSITION ? positionWeight : 1.0;
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
