package dev.perceval.tts;

import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.world.Task;
import dev.perceval.prm.FlaggedClaim;
import java.util.ArrayList;
import java.util.List;

/** k independent samples per question in one policy call, optionally verified in one PRM call. */
final class Sampling {
  private Sampling() {}

  static List<List<Round>> independent(List<Task> tasks, int k, long seed, TtsStrategy.Tools tools, boolean verify) {
    List<TtsPolicy.Row> rows = new ArrayList<>();
    List<Task> rowTasks = new ArrayList<>();
    for (Task t : tasks) {
      for (int j = 0; j < k; j++) {
        rows.add(new TtsPolicy.Row(t, new int[0], Strategies.sampleSeed(seed, t.id(), j)));
        rowTasks.add(t);
      }
    }
    List<Generation> gens = tools.policy().generate(rows);
    List<int[]> responses = gens.stream().map(Generation::tokens).toList();
    List<List<FlaggedClaim>> flags = verify ? tools.verifier().verify(rowTasks, responses) : null;
    List<List<Round>> out = new ArrayList<>();
    for (int q = 0; q < tasks.size(); q++) {
      List<Round> rounds = new ArrayList<>();
      for (int j = 0; j < k; j++) {
        int r = q * k + j;
        Round round = new Round(responses.get(r), 0, flags == null ? List.of() : flags.get(r), -1, null,
            TtsStrategy.answer(tools.tokenizer(), responses.get(r)));
        rounds.add(round);
        tools.rounds().made(q, round);
      }
      out.add(rounds);
    }
    return out;
  }

  /** Every round generated its tokens after its kept prefix; verified ones cost a PRM call each. */
  static Budget budget(List<Round> rounds, boolean verified) {
    Budget b = Budget.ZERO;
    for (Round r : rounds) {
      b = b.generated(r.response().length - r.kept());
      if (verified) {
        b = b.verified(1);
      }
    }
    return b;
  }
}
