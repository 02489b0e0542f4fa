package dev.perceval.policy.grpo;

import dev.perceval.policy.world.Judge;
import dev.perceval.policy.world.Segment;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Beyond the paper: credit for each claim from the verifier's verdict, centred over the claims
 * the group's responses make about the same cell. The outcome advantage says whether a response
 * ended right, not which of its claims were; the paper's penalty pushes down the claims the
 * verifier flags and leaves the claims it accepts with the outcome advantage, which is negative
 * in a wrong response. Here a claim's tokens also get
 * {@code credit * (right - mean right of the group's claims at its cell)}: where the group's
 * samples read a cell differently, the readings the verifier accepts rise and the others fall,
 * whatever the rest of the response did; where they all read it alike, nothing changes, so
 * stating more claims earns nothing. Only the first claim about a cell in a response counts, and
 * a cell only one response claims gets no credit.
 */
public final class ClaimCredit {
  private ClaimCredit() {}

  /** One response's first claim about a cell and whether the verifier left it unflagged. */
  private record Claim(int response, int start, int end, boolean right) {}

  /**
   * Adds the claims' credit to a group's token advantages in place.
   *
   * @param words per response of the group, its words (one per token)
   * @param flagged per response, the verifier's spans
   * @param tokenAdvantages per response, its token advantages (changed)
   * @return the claims that got credit
   */
  public static int add(World world, double credit, List<List<String>> words,
      List<List<TokenAdvantages.Span>> flagged, float[][] tokenAdvantages) {
    if (credit == 0) {
      return 0;
    }
    Map<Integer, List<Claim>> byCell = new HashMap<>();
    for (int j = 0; j < words.size(); j++) {
      Set<Integer> seen = new HashSet<>();
      for (Segment s : Judge.segments(world, words.get(j))) {
        if (!s.isClaim()) {
          continue;
        }
        int cell = world.grid().cell(s.claim());
        if (seen.add(cell)) {
          byCell.computeIfAbsent(cell, k -> new ArrayList<>())
              .add(new Claim(j, s.start(), s.end(), !overlaps(flagged.get(j), s.start(), s.end())));
        }
      }
    }
    int credited = 0;
    for (List<Claim> claims : byCell.values()) {
      if (claims.size() < 2) {
        continue;
      }
      double mean = claims.stream().filter(Claim::right).count() / (double) claims.size();
      for (Claim c : claims) {
        float delta = (float) (credit * ((c.right() ? 1 : 0) - mean));
        float[] adv = tokenAdvantages[c.response()];
        for (int t = c.start(); t < Math.min(c.end(), adv.length); t++) {
          adv[t] += delta;
        }
        credited += delta != 0 ? 1 : 0;
      }
    }
    return credited;
  }

  private static boolean overlaps(List<TokenAdvantages.Span> spans, int start, int end) {
    for (TokenAdvantages.Span s : spans) {
      if (s.start() < end && start < s.end()) {
        return true;
      }
    }
    return false;
  }
}
