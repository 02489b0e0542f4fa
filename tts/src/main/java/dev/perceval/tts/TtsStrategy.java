package dev.perceval.tts;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Answers;
import dev.perceval.policy.world.Task;
import dev.perceval.prm.Verifier;
import java.util.List;

/**
 * A test-time scaling rule. It runs a batch of questions in lockstep (one policy call per round
 * for all of them), but each question's result depends only on that question, k and the seed.
 */
public interface TtsStrategy {
  /**
   * What a strategy works with; {@code verifier} may be null for strategies that do not verify.
   * {@code rounds} hears each round as soon as it is made, so a caller can show the first rounds
   * while later ones are still being generated.
   */
  record Tools(TtsPolicy policy, Verifier verifier, Tokenizer tokenizer, RoundListener rounds) {
    public Tools(TtsPolicy policy, Verifier verifier, Tokenizer tokenizer) {
      this(policy, verifier, tokenizer, RoundListener.NONE);
    }
  }

  /**
   * Hears the rounds of question {@code question} (its index in the batch) in the order its
   * result lists them, each once; a strategy that makes several rounds in one call reports them
   * together after it.
   */
  @FunctionalInterface
  interface RoundListener {
    RoundListener NONE = (question, round) -> {};

    void made(int question, Round round);
  }

  /**
   * What a strategy needs beyond a policy, so that callers can refuse a request or skip a
   * strategy before running it instead of knowing strategies by name.
   *
   * @param verifier whether it verifies responses
   * @param words words it writes into a response itself, which the policy's vocabulary must hold
   */
  record Needs(boolean verifier, List<String> words) {
    public Needs {
      words = List.copyOf(words);
    }

    /** The needed words {@code tok} lacks, in order; empty when the policy can run the strategy. */
    public List<String> wordsMissingFrom(Tokenizer tok) {
      return words.stream().filter(w -> !tok.contains(w)).toList();
    }
  }

  String name();

  Needs needs();

  List<TtsResult> run(List<Task> tasks, int k, long seed, Tools tools);

  /** The answer of a response, or null when its format does not hold. */
  static String answer(Tokenizer tok, int[] response) {
    return Answers.extractAnswer(tok.words(response)).orElse(null);
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
