package dev.perceval.policy.train;

import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.sampling.Sampler;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Answers;
import dev.perceval.policy.world.Judge;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;

/**
 * Greedy evaluation: accuracy (format and answer right) and the perception-error rate, i.e. the
 * share of the response's perception claims that contradict the scene's ground truth.
 */
public final class Evaluator {
  private Evaluator() {}

  /** Counts over one evaluation; rates are derived. */
  public record Result(int n, int correct, int wellFormed, int claims, int wrongClaims,
      int responsesJudgedWrong, long generatedTokens, Map<String, int[]> perFamily,
      Map<String, Integer> errorTypes, List<String> responses) {

    public double accuracy() {
      return ratio(correct, n);
    }

    public double formatRate() {
      return ratio(wellFormed, n);
    }

    /** Wrong perception claims over all perception claims. */
    public double perceptionErrorRate() {
      return ratio(wrongClaims, claims);
    }

    /**
     * Responses with at least one segment {@link Judge} finds wrong: a wrong claim, an unreadable
     * statement about the image, an evaded reflection or an omitted object.
     */
    public double hallucinationRate() {
      return ratio(responsesJudgedWrong, n);
    }

    public double meanTokens() {
      return ratio(generatedTokens, n);
    }

    private static double ratio(double a, double b) {
      return b == 0 ? 0 : a / b;
    }
  }

  public static Result evaluate(TinyVlm model, Tokenizer tok, World world, List<Task> tasks,
      int batchSize, int maxNewTokens, IntConsumer progress) {
    List<List<String>> responses = new ArrayList<>(tasks.size());
    for (int start = 0; start < tasks.size(); start += batchSize) {
      List<Task> chunk = tasks.subList(start, Math.min(tasks.size(), start + batchSize));
      Batch b = Batch.of(chunk, tok);
      long[] seeds = new long[chunk.size()];
      List<Generation> gens = Sampler.generate(model, tok.stop(), b.images(), b.prompts(), seeds,
          SamplingParams.greedy(maxNewTokens));
      for (Generation g : gens) {
        responses.add(tok.words(g.tokens()));
      }
      progress.accept(chunk.size());
    }
    return score(world, tasks, responses);
  }

  /** Scores given responses (as words), one per task: what {@link #evaluate} reports. */
  public static Result score(World world, List<Task> tasks, List<List<String>> responses) {
    int correct = 0;
    int wellFormed = 0;
    int claims = 0;
    int wrong = 0;
    int withWrong = 0;
    long tokens = 0;
    Map<String, int[]> perFamily = new TreeMap<>();
    List<String> texts = new ArrayList<>(tasks.size());
    Map<String, Integer> errorTypes = new TreeMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      Task task = tasks.get(i);
      List<String> words = responses.get(i);
      texts.add(String.join(" ", words));
      tokens += words.size();
      boolean right = Answers.reward(task, words) == 1.0;
      correct += right ? 1 : 0;
      wellFormed += Answers.extractAnswer(words).isPresent() ? 1 : 0;
      int[] fam = perFamily.computeIfAbsent(task.family() == null ? "-" : task.family(), k -> new int[2]);
      fam[0]++;
      fam[1] += right ? 1 : 0;
      int[] counted = countClaims(world, task, words, errorTypes);
      claims += counted[0];
      wrong += counted[1];
      withWrong += counted[2] > 0 ? 1 : 0;
    }
    return new Result(tasks.size(), correct, wellFormed, claims, wrong, withWrong, tokens, perFamily,
        errorTypes, texts);
  }

  /**
   * {perception claims, wrong ones, judged segments of any kind that are wrong} in a response, as
   * {@link Judge} reads it; tasks without ground truth count none.
   */
  static int[] countClaims(World world, Task task, List<String> words, Map<String, Integer> errorTypes) {
    int[] out = new int[3];
    if (task.facts() == null || task.facts().isEmpty()) {
      return out;
    }
    for (Judge.Judged j : Judge.judge(world, words, task.facts())) {
      boolean claim = j.segment().isClaim();
      out[0] += claim ? 1 : 0;
      if (!j.verdict().correct()) {
        out[1] += claim ? 1 : 0;
        out[2]++;
        errorTypes.merge(j.verdict().error().name().toLowerCase(), 1, Integer::sum);
      }
    }
    return out;
  }

  /**
   * The accuracy of always answering the most common train-split answer of the task's question
   * family: the bar a policy that ignores the image can reach.
   */
  public static double majorityBaseline(World world, long seed, List<Task> tasks, int trainSamples) {
    Map<String, Map<String, Integer>> counts = new TreeMap<>();
    for (int i = 0; i < trainSamples; i++) {
      Task t = world.task(dev.perceval.policy.world.Split.TRAIN, seed + 1, i);
      counts.computeIfAbsent(t.family(), k -> new TreeMap<>()).merge(t.answer(), 1, Integer::sum);
    }
    int hits = 0;
    for (Task t : tasks) {
      Map<String, Integer> c = counts.get(t.family());
      if (c != null && t.answer().equals(
          c.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey())) {
        hits++;
      }
    }
    return tasks.isEmpty() ? 0 : hits / (double) tasks.size();
  }

  public static List<Task> tasks(World world, dev.perceval.policy.world.Split split, long seed, int n) {
    List<Task> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(world.task(split, seed, i));
    }
    return out;
  }
}
