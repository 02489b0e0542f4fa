package dev.perceval.tts;

import dev.perceval.policy.world.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Majority vote over k independent samples. Ties go to the answer that appeared first, so the
 * result is a function of the samples alone; malformed responses do not vote.
 */
final class MajorityStrategy implements TtsStrategy {
  @Override
  public String name() {
    return "majority";
  }

  @Override
  public Needs needs() {
    return new Needs(false, List.of());
  }

  @Override
  public List<TtsResult> run(List<Task> tasks, int k, long seed, Tools tools) {
    List<List<Round>> samples = Sampling.independent(tasks, k, seed, tools, false);
    List<TtsResult> out = new ArrayList<>();
    for (List<Round> rounds : samples) {
      int chosen = vote(rounds.stream().map(Round::answer).toList());
      out.add(new TtsResult(name(), k, rounds, chosen, rounds.get(chosen).answer(), Sampling.budget(rounds, false)));
    }
    return out;
  }

  /** Index of the first response carrying the most common answer (0 when none has one). */
  static int vote(List<String> answers) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String a : answers) {
      if (a != null) {
        counts.merge(a, 1, Integer::sum);
      }
    }
    String best = null;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      // LinkedHashMap iterates in first-appearance order: a strict > keeps the earliest on ties.
      if (best == null || e.getValue() > counts.get(best)) {
        best = e.getKey();
      }
    }
    return best == null ? 0 : answers.indexOf(best);
  }
}
