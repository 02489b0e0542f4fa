package dev.perceval.policy.world;

import java.util.List;

/**
 * The sentence with which a response re-examines a cell: "wait , let me look again at ROW COL"
 * for a claim about that cell. Gold responses carry it now and then before a (right) claim, and
 * truncate-thinking appends it after cutting a flagged claim, so the policy goes on by stating the
 * claim anew. Ended by "." it is a segment of its own: reasoning, never a claim.
 */
public final class Reflections {
  public static final List<String> OPENING = List.of("wait", ",", "let", "me", "look", "again");
  /**
   * Share of gold responses (and of made-up correct readings) that re-examine one cell before
   * claiming it, so a policy finds it natural to go on after the reflection test-time scaling
   * appends, and a verifier sees reflections that are right; the claim itself stays right.
   */
  public static final double RATE = 0.1;

  private Reflections() {}

  /** The reflection on {@code claim}: the opening, then the claim's trailing "at ROW COL" if any. */
  public static String sentence(String claim) {
    List<String> words = List.of(claim.strip().split("\\s+"));
    int at = words.lastIndexOf("at");
    String where = at >= 0 ? " " + String.join(" ", words.subList(at, words.size())) : "";
    return String.join(" ", OPENING) + where;
  }
}
