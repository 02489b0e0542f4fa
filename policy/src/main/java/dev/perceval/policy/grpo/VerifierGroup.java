package dev.perceval.policy.grpo;

import java.util.List;

/** Perceval verifiers: for each rollout, the spans of its claims that contradict the image. */
public interface VerifierGroup {
  List<List<TokenAdvantages.Span>> verify(List<Rollout> rollouts);
}
