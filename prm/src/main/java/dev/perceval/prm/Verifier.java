package dev.perceval.prm;

import dev.perceval.policy.world.Task;
import java.util.List;

/** Finds the segments of responses' thinking that contradict or dodge their task's image. */
public interface Verifier {
  /**
   * For each (task, response ids) pair, the flagged claims in response order; an empty list
   * means the response is judged correct.
   */
  List<List<FlaggedClaim>> verify(List<Task> tasks, List<int[]> responses);
}
