package dev.perceval.prm;

import dev.perceval.policy.grpo.Rollout;
import dev.perceval.policy.grpo.TokenAdvantages;
import dev.perceval.policy.grpo.VerifierGroup;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A verifier in this process (learned or oracle) behind the training loop's interface. */
public final class LocalVerifierGroup implements VerifierGroup {
  private final Verifier verifier;
  private final Function<TaskId, Task> tasks;

  public LocalVerifierGroup(Verifier verifier, Function<TaskId, Task> tasks) {
    this.verifier = verifier;
    this.tasks = tasks;
  }

  @Override
  public List<List<TokenAdvantages.Span>> verify(List<Rollout> rollouts) {
    return spans(verifier.verify(rollouts.stream().map(r -> tasks.apply(r.taskId())).toList(),
        rollouts.stream().map(Rollout::tokens).toList()));
  }

  /** The flagged claims' token spans, the only part the advantages need. */
  public static List<List<TokenAdvantages.Span>> spans(List<List<FlaggedClaim>> flagged) {
    List<List<TokenAdvantages.Span>> out = new ArrayList<>(flagged.size());
    for (List<FlaggedClaim> claims : flagged) {
      out.add(claims.stream().map(c -> new TokenAdvantages.Span(c.tokenStart(), c.tokenEnd())).toList());
    }
    return out;
  }
}
