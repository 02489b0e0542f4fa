package dev.perceval.prm;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.ClaimVerdict;
import dev.perceval.policy.world.Judge;
import dev.perceval.policy.world.Segment;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges every segment of the thinking against the scene's ground truth ({@link Judge}): wrong
 * claims, unreadable statements about the image, evaded reflections and omitted objects. It is
 * the upper bound for the learned verifier, the labeller of its training data and a test
 * reference; it needs the task's facts, which a deployed verifier never sees.
 */
public final class OracleVerifier implements Verifier {
  private final World world;
  private final Tokenizer tok;

  public OracleVerifier(World world, Tokenizer tok) {
    this.world = world;
    this.tok = tok;
  }

  @Override
  public List<List<FlaggedClaim>> verify(List<Task> tasks, List<int[]> responses) {
    if (tasks.size() != responses.size()) {
      throw new IllegalArgumentException("one response per task expected, got " + tasks.size()
          + " tasks and " + responses.size() + " responses");
    }
    List<List<FlaggedClaim>> out = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      out.add(verify(tasks.get(i), responses.get(i)));
    }
    return out;
  }

  public List<FlaggedClaim> verify(Task task, int[] response) {
    if (task.facts().isEmpty()) {
      throw new IllegalArgumentException("task " + task.id() + " has no ground truth for the oracle");
    }
    List<FlaggedClaim> flagged = new ArrayList<>();
    for (Judge.Judged j : Judge.judge(world, tok.words(response), task.facts())) {
      ClaimVerdict v = j.verdict();
      if (!v.correct()) {
        Segment s = j.segment();
        flagged.add(new FlaggedClaim(s.text(), s.start(), s.end(), 1.0, v.error()));
      }
    }
    return flagged;
  }
}
