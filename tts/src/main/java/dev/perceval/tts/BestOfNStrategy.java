package dev.perceval.tts;

import dev.perceval.policy.world.Task;
import dev.perceval.prm.FlaggedClaim;
import java.util.ArrayList;
import java.util.List;

/**
 * The PRM as an outcome scorer: k samples, all verified; the one with the fewest flagged claims
 * wins, then the lowest summed error probability, then the earliest.
 */
final class BestOfNStrategy implements TtsStrategy {
  @Override
  public String name() {
    return "best-of-n";
  }

  @Override
  public Needs needs() {
    return new Needs(true, List.of());
  }

  @Override
  public List<TtsResult> run(List<Task> tasks, int k, long seed, Tools tools) {
    if (tools.verifier() == null) {
      throw new IllegalArgumentException("best-of-n needs a verifier");
    }
    List<TtsResult> out = new ArrayList<>();
    for (List<Round> rounds : Sampling.independent(tasks, k, seed, tools, true)) {
      int chosen = best(rounds.stream().map(Round::flagged).toList());
      out.add(new TtsResult(name(), k, rounds, chosen, rounds.get(chosen).answer(), Sampling.budget(rounds, true)));
    }
    return out;
  }

  static int best(List<List<FlaggedClaim>> flagged) {
    int best = 0;
    for (int i = 1; i < flagged.size(); i++) {
      int byCount = Integer.compare(flagged.get(i).size(), flagged.get(best).size());
      if (byCount < 0 || (byCount == 0 && errorMass(flagged.get(i)) < errorMass(flagged.get(best)))) {
        best = i;
      }
    }
    return best;
  }

  private static double errorMass(List<FlaggedClaim> claims) {
    return claims.stream().mapToDouble(FlaggedClaim::probability).sum();
  }
}
