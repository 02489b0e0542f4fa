package dev.perceval.policy.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The response format and the outcome reward. */
public final class Answers {
  private Answers() {}

  /**
   * The answer if the format holds: {@code <think> ... </think> <answer> X </answer>}, each tag
   * exactly once and in that order, X one ordinary token, nothing after {@code </answer>}.
   */
  public static Optional<String> extractAnswer(List<String> words) {
    int n = words.size();
    if (n < 5 || !words.get(0).equals("<think>") || !words.get(n - 1).equals("</answer>")
        || !words.get(n - 3).equals("<answer>") || !words.get(n - 4).equals("</think>")) {
      return Optional.empty();
    }
    for (int i = 1; i < n - 4; i++) {
      if (GridWorld.TAGS.contains(words.get(i))) {
        return Optional.empty();
      }
    }
    String answer = words.get(n - 2);
    return GridWorld.TAGS.contains(answer) ? Optional.empty() : Optional.of(answer);
  }

  /** {@code <think> s1 . s2 . ... </think> <answer> X </answer>}: the format a response is read in. */
  public static String response(List<String> thinking, String answer) {
    StringBuilder b = new StringBuilder("<think>");
    thinking.forEach(s -> b.append(' ').append(s).append(" ."));
    return b.append(" </think> <answer> ").append(answer).append(" </answer>").toString();
  }

  /** 1 iff the format holds and the answer is the task's; else 0. */
  public static double reward(Task task, List<String> words) {
    return extractAnswer(words).filter(a -> a.equals(task.answer())).isPresent() ? 1.0 : 0.0;
  }

  /**
   * The segments of the thinking part split on ".", empty ones dropped. Tolerant: without
   * {@code <think>} there are none; without {@code </think>} the thinking runs to the end, so a
   * cut-off response still yields its claims.
   */
  public static List<List<String>> thinkSegments(List<String> words) {
    List<List<String>> out = new ArrayList<>();
    for (int[] span : thinkSpans(words)) {
      out.add(words.subList(span[0], span[1]));
    }
    return out;
  }

  /**
   * Where {@link #thinkSegments} lie: {start, end} word indices, end exclusive, the separating "."
   * outside. The thinking ends at {@code </think>}, {@code <answer>}, a second {@code <think>} or
   * the end of the words. Words and token ids correspond one to one, so these index token ids too.
   */
  public static List<int[]> thinkSpans(List<String> words) {
    List<int[]> out = new ArrayList<>();
    int open = words.indexOf("<think>");
    if (open < 0) {
      return out;
    }
    int start = open + 1;
    for (int i = open + 1; i <= words.size(); i++) {
      String w = i == words.size() ? null : words.get(i);
      boolean closes = w == null || w.equals("</think>") || w.equals("<answer>") || w.equals("<think>");
      if (closes || w.equals(".")) {
        if (i > start) {
          out.add(new int[] {start, i});
        }
        start = i + 1;
      }
      if (closes) {
        break;
      }
    }
    return out;
  }
}
