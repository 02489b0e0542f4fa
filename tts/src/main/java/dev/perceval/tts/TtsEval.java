package dev.perceval.tts;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.Evaluator;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Strategies compared on one set of questions: each strategy at each k over the same tasks and
 * seed, summarised as accuracy and mean budget per question, with the wall time of the run.
 */
public final class TtsEval {
  private TtsEval() {}

  /** One strategy at one k: accuracy, per-question means of the budget, and seconds for all questions. */
  public record Row(String strategy, int k, double accuracy, double generatedTokens, double policyCalls,
      double prmCalls, double seconds) {}

  /**
   * Registered strategies the policy can run, in registry order, and the others with the words
   * each writes that the policy's vocabulary lacks.
   */
  public record Selection(List<String> runnable, Map<String, List<String>> skipped) {}

  public static Selection runnable(Tokenizer tok) {
    List<String> ok = new ArrayList<>();
    Map<String, List<String>> skipped = new LinkedHashMap<>();
    for (String s : Strategies.REGISTRY.names()) {
      List<String> missing = Strategies.get(s).needs().wordsMissingFrom(tok);
      if (missing.isEmpty()) {
        ok.add(s);
      } else {
        skipped.put(s, missing);
      }
    }
    return new Selection(ok, skipped);
  }

  /**
   * The sampling temperature strategies run at unless told otherwise: measured on the quickstart's
   * policy (docs/results.md), at 1.0 every strategy fell below one greedy answer, at 0.5 truncation
   * beat greedy and voting.
   */
  public static final float TEMPERATURE = 0.5f;

  /**
   * The final responses judged as a greedy evaluation judges them: accuracy, and the responses
   * the oracle finds a wrong segment in ({@link Evaluator#score}).
   */
  public static Evaluator.Result judge(World world, Tokenizer tok, List<Task> tasks, List<TtsResult> results) {
    return Evaluator.score(world, tasks, results.stream().map(r -> tok.words(r.finalRound().response())).toList());
  }

  /** The label of the one-answer rows every strategy must beat. */
  public static final String GREEDY = "greedy";
  public static final String SINGLE_SAMPLE = "single sample";

  /**
   * The rows a strategy has to beat to be worth its budget: one greedy answer (with
   * {@code greedy}, a policy that decodes greedily) and one sample at the strategies' own
   * temperature (with {@code sampled}). Both are a vote over one response.
   */
  public static List<Row> baselines(List<Task> tasks, long seed, TtsStrategy.Tools greedy,
      TtsStrategy.Tools sampled, Consumer<Row> done) {
    List<Row> rows = List.of(one(GREEDY, tasks, seed, greedy), one(SINGLE_SAMPLE, tasks, seed, sampled));
    rows.forEach(done);
    return rows;
  }

  private static Row one(String label, List<Task> tasks, long seed, TtsStrategy.Tools tools) {
    long t0 = System.nanoTime();
    List<TtsResult> results = new MajorityStrategy().run(tasks, 1, seed, tools);
    return summarise(label, 1, tasks, results, (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Every strategy at every k, strategy by strategy; {@code done} sees each row as it completes
   * (a full evaluation takes a while).
   */
  public static List<Row> run(List<String> strategies, List<Integer> ks, List<Task> tasks, long seed,
      TtsStrategy.Tools tools, Consumer<Row> done) {
    strategies.forEach(Strategies::get);
    List<Row> rows = new ArrayList<>();
    for (String name : strategies) {
      for (int k : ks) {
        long t0 = System.nanoTime();
        List<TtsResult> results = Strategies.get(name).run(tasks, k, seed, tools);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Row row = summarise(name, k, tasks, results, seconds);
        rows.add(row);
        done.accept(row);
      }
    }
    return rows;
  }

  static Row summarise(String strategy, int k, List<Task> tasks, List<TtsResult> results, double seconds) {
    int correct = 0;
    long generated = 0;
    long policyCalls = 0;
    long prmCalls = 0;
    for (int i = 0; i < tasks.size(); i++) {
      TtsResult r = results.get(i);
      correct += tasks.get(i).answer().equals(r.answer()) ? 1 : 0;
      generated += r.budget().generatedTokens();
      policyCalls += r.budget().policyCalls();
      prmCalls += r.budget().prmCalls();
    }
    double q = tasks.size();
    return new Row(strategy, k, correct / q, generated / q, policyCalls / q, prmCalls / q, seconds);
  }
}
