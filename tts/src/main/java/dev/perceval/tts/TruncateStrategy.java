package dev.perceval.tts;

import dev.perceval.policy.Rng;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Reflections;
import dev.perceval.policy.world.Task;
import dev.perceval.prm.FlaggedClaim;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Truncate-then-regenerate: sample, verify; while the PRM flags a claim and fewer than k rounds
 * have run, cut the response just before its earliest flagged token, keep that verified prefix
 * and let the policy continue from it. The answer comes from the last response. With
 * {@code thinking}, a reflection sentence naming the flagged claim is appended after the cut
 * ({@link Reflection}), so the policy re-examines it instead of starting the claim afresh.
 */
final class TruncateStrategy implements TtsStrategy {
  private final boolean thinking;

  TruncateStrategy(boolean thinking) {
    this.thinking = thinking;
  }

  @Override
  public String name() {
    return thinking ? "truncate-thinking" : "truncate";
  }

  @Override
  public Needs needs() {
    return new Needs(true, thinking ? Reflections.OPENING : List.of());
  }

  @Override
  public List<TtsResult> run(List<Task> tasks, int k, long seed, Tools tools) {
    if (tools.verifier() == null) {
      throw new IllegalArgumentException(name() + " needs a verifier");
    }
    Tokenizer tok = tools.tokenizer();
    int n = tasks.size();
    List<List<Round>> rounds = new ArrayList<>();
    int[][] prefix = new int[n][];
    boolean[] done = new boolean[n];
    for (int q = 0; q < n; q++) {
      rounds.add(new ArrayList<>());
      prefix[q] = new int[0];
    }
    for (int round = 0; round < k; round++) {
      List<Integer> active = new ArrayList<>();
      List<TtsPolicy.Row> rows = new ArrayList<>();
      for (int q = 0; q < n; q++) {
        if (!done[q]) {
          active.add(q);
          String id = tasks.get(q).id();
          // Round 0 is the same draw as every strategy's first sample.
          long rowSeed = round == 0 ? Strategies.sampleSeed(seed, id, 0) : Rng.derive(seed, name(), id, round).nextLong();
          rows.add(new TtsPolicy.Row(tasks.get(q), prefix[q], rowSeed));
        }
      }
      if (active.isEmpty()) {
        break;
      }
      List<Generation> gens = tools.policy().generate(rows);
      List<int[]> responses = new ArrayList<>();
      for (int i = 0; i < active.size(); i++) {
        responses.add(TtsStrategy.concat(prefix[active.get(i)], gens.get(i).tokens()));
      }
      List<List<FlaggedClaim>> flags = tools.verifier().verify(active.stream().map(tasks::get).toList(), responses);
      for (int i = 0; i < active.size(); i++) {
        int q = active.get(i);
        int[] response = responses.get(i);
        List<FlaggedClaim> flagged = flags.get(i);
        String answer = TtsStrategy.answer(tok, response);
        FlaggedClaim earliest = flagged.stream().min(Comparator.comparingInt(FlaggedClaim::tokenStart)).orElse(null);
        int cut = earliest == null ? -1 : earliest.tokenStart();
        String reflection = earliest != null && thinking ? Reflection.sentence(earliest.text()) : null;
        // What the next round would start from: the verified prefix, then the reflection if any.
        int[] kept = earliest == null ? null : thinking
            ? Reflection.withoutTrailing(tok, Arrays.copyOf(response, cut)) : Arrays.copyOf(response, cut);
        int nextLength = kept == null ? 0 : kept.length + (reflection == null ? 0 : reflection.split(" ").length);
        // Out of rounds, or no room left to continue: this response is the answer.
        if (flagged.isEmpty() || round == k - 1 || nextLength > tools.policy().maxPrefix(tasks.get(q))) {
          made(tools, rounds, q, new Round(response, prefix[q].length, flagged, -1, null, answer));
          done[q] = true;
          continue;
        }
        made(tools, rounds, q, new Round(response, prefix[q].length, flagged, cut, reflection, answer));
        prefix[q] = reflection == null ? kept : TtsStrategy.concat(kept, Reflection.tokens(tok, reflection));
      }
    }
    List<TtsResult> out = new ArrayList<>();
    for (int q = 0; q < n; q++) {
      List<Round> r = rounds.get(q);
      int last = r.size() - 1;
      out.add(new TtsResult(name(), k, r, last, r.get(last).answer(), Sampling.budget(r, true)));
    }
    return out;
  }

  private static void made(Tools tools, List<List<Round>> rounds, int q, Round round) {
    rounds.get(q).add(round);
    tools.rounds().made(q, round);
  }
}
