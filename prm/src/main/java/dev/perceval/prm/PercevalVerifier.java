package dev.perceval.prm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.perceval.policy.model.Inputs;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.Reading;
import dev.perceval.policy.world.Judge;
import dev.perceval.policy.world.Segment;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learned Perceval verifier. It scores each judged segment of a response (claims,
 * reflections, reasoning, unreadable statements: {@link Claims#judged}) with the probability that
 * it is wrong, and flags those above the threshold, in one of two ways ({@link Judging}): by the
 * mean error logit of the segment's tokens, or by applying {@link Judge}'s rules to what its
 * perception head reads in the image. It sees the image, the question and the response, never
 * the scene's facts.
 */
public final class PercevalVerifier implements Verifier {
  /** How segments are scored; the names are what {@code perceval.prm.judging} takes. */
  public enum Judging {
    /** The token error logits, trained on the oracle's labels of whole responses. */
    TOKENS,
    /** The perception head's reading of each cell, compared with what the segment says. */
    READING;

    public static Judging parse(String name) {
      for (Judging j : values()) {
        if (j.name().equalsIgnoreCase(name == null ? "" : name.strip())) {
          return j;
        }
      }
      throw new IllegalArgumentException("unknown judging '" + name + "' (expected tokens or reading)");
    }
  }

  private final TinyVlm model;
  private final Tokenizer tok;
  private final World world;
  private final float threshold;
  private final int batchSize;
  private final Judging judging;

  public PercevalVerifier(TinyVlm model, Tokenizer tok, World world, float threshold, int batchSize) {
    this(model, tok, world, threshold, batchSize, Judging.TOKENS);
  }

  public PercevalVerifier(TinyVlm model, Tokenizer tok, World world, float threshold, int batchSize,
      Judging judging) {
    if (model.config().mode() != VlmConfig.Mode.VERIFIER) {
      throw new IllegalArgumentException("the model is a " + model.config().mode() + ", not a verifier");
    }
    this.model = model;
    this.tok = tok;
    this.world = world;
    this.threshold = threshold;
    this.batchSize = batchSize;
    this.judging = judging;
  }

  public Judging judging() {
    return judging;
  }

  public TinyVlm model() {
    return model;
  }

  /** The probability above which a segment is flagged. */
  public float threshold() {
    return threshold;
  }

  @Override
  public List<List<FlaggedClaim>> verify(List<Task> tasks, List<int[]> responses) {
    List<List<Scored>> scored = score(tasks, responses);
    List<List<FlaggedClaim>> out = new ArrayList<>(tasks.size());
    for (List<Scored> segments : scored) {
      List<FlaggedClaim> flagged = new ArrayList<>();
      for (Scored c : segments) {
        if (c.probability() > threshold) {
          Segment s = c.segment();
          flagged.add(new FlaggedClaim(s.text(), s.start(), s.end(), c.probability(), null));
        }
      }
      out.add(flagged);
    }
    return out;
  }

  /** A judged segment of a response with the verifier's probability that it is wrong. */
  public record Scored(Segment segment, double probability) {}

  /** Every judged segment of every response with the probability that it is wrong. */
  public List<List<Scored>> score(List<Task> tasks, List<int[]> responses) {
    return judging == Judging.READING ? scoreByReading(tasks, responses) : scoreByTokens(tasks, responses);
  }

  /**
   * Judge's rules over the head's belief about each cell (a softmax of its mean logits there),
   * read once per task from the image and question.
   */
  private List<List<Scored>> scoreByReading(List<Task> tasks, List<int[]> responses) {
    validate(tasks, responses);
    Map<String, Integer> index = new LinkedHashMap<>();
    List<Task> unique = new ArrayList<>();
    for (Task t : tasks) {
      if (index.putIfAbsent(t.id(), unique.size()) == null) {
        unique.add(t);
      }
    }
    float[][][] cells = Reading.cellLogits(model, tok, world, unique, batchSize);
    int objects = world.perceptionClasses().objects().size();
    List<List<Scored>> out = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      float[][] read = cells[index.get(tasks.get(i).id())];
      double[][] objectP = new double[read.length][];
      double[][] colourP = new double[read.length][];
      for (int c = 0; c < read.length; c++) {
        objectP[c] = softmax(read[c], 0, objects);
        colourP[c] = softmax(read[c], objects, read[c].length);
      }
      Judge.Belief belief = new Judge.Belief() {
        @Override
        public double object(int cell, int objectClass) {
          return objectP[cell][objectClass];
        }

        @Override
        public double colour(int cell, int colourClass) {
          return colourP[cell][colourClass];
        }
      };
      List<Segment> segments = Claims.segments(world, tok, responses.get(i));
      double[] wrong = Judge.wrongProbabilities(world, segments, belief);
      List<Scored> scored = new ArrayList<>();
      for (int j = 0; j < segments.size(); j++) {
        if (segments.get(j).judged()) {
          scored.add(new Scored(segments.get(j), wrong[j]));
        }
      }
      out.add(scored);
    }
    return out;
  }

  private static double[] softmax(float[] x, int from, int to) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = from; i < to; i++) {
      max = Math.max(max, x[i]);
    }
    double[] p = new double[to - from];
    double sum = 0;
    for (int i = from; i < to; i++) {
      p[i - from] = Math.exp(x[i] - max);
      sum += p[i - from];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /**
   * The sigmoid of the mean error logit of each judged segment's tokens, which is the quantity
   * the token judging is trained on.
   */
  private List<List<Scored>> scoreByTokens(List<Task> tasks, List<int[]> responses) {
    float[][] logits = responseTokenLogits(tasks, responses);
    List<List<Scored>> out = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      List<Scored> segments = new ArrayList<>();
      for (Segment s : Claims.judged(world, tok, responses.get(i))) {
        double z = 0;
        for (int t = s.start(); t < s.end(); t++) {
          z += logits[i][t];
        }
        segments.add(new Scored(s, 1 / (1 + Math.exp(-z / (s.end() - s.start())))));
      }
      out.add(segments);
    }
    return out;
  }

  /** Per response, per token: the error logit the verifier assigns. */
  public float[][] responseTokenLogits(List<Task> tasks, List<int[]> responses) {
    validate(tasks, responses);
    Torch.noGrad();
    float[][] out = new float[tasks.size()][];
    for (int from = 0; from < tasks.size(); from += batchSize) {
      int to = Math.min(tasks.size(), from + batchSize);
      float[][] images = new float[to - from][];
      int[][] prompts = new int[to - from][];
      int[][] resp = new int[to - from][];
      for (int i = from; i < to; i++) {
        images[i - from] = tasks.get(i).image();
        prompts[i - from] = tok.prompt(tasks.get(i).question());
        resp[i - from] = responses.get(i);
      }
      try (NDManager m = model.newSubManager()) {
        NDArray logits = tokenLogits(model, m, images, prompts, resp);
        float[] flat = logits.toFloatArray();
        int width = (int) logits.getShape().get(1);
        for (int i = from; i < to; i++) {
          out[i] = java.util.Arrays.copyOfRange(flat, (i - from) * width, (i - from) * width + resp[i - from].length);
        }
      }
    }
    return out;
  }

  /**
   * Error logits of the response tokens, (B, L) with L the longest response. The encoder is
   * bidirectional, so a token's own position carries its score.
   */
  public static NDArray tokenLogits(TinyVlm model, NDManager m, float[][] images, int[][] prompts, int[][] responses) {
    Inputs in = Inputs.of(m, model.config(), images, Inputs.join(prompts, responses));
    return responseLogits(model.forward(in, null), prompts, responses);
  }

  /** The response tokens' error logits, (B, L), out of the text logits of a forward pass. */
  public static NDArray responseLogits(NDArray textLogits, int[][] prompts, int[][] responses) {
    int promptWidth = 0;
    int longest = 0;
    for (int r = 0; r < prompts.length; r++) {
      promptWidth = Math.max(promptWidth, prompts[r].length);
      longest = Math.max(longest, responses[r].length);
    }
    return textLogits.get(new NDIndex(":, {}:{}, 0", promptWidth, promptWidth + longest));
  }

  private void validate(List<Task> tasks, List<int[]> responses) {
    if (tasks.size() != responses.size()) {
      throw new IllegalArgumentException("one response per task expected, got " + tasks.size()
          + " tasks and " + responses.size() + " responses");
    }
    int size = model.config().imageSize();
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      if (t.imageSize() != size) {
        throw new IllegalArgumentException("task " + t.id() + ": image is " + t.imageSize() + "x" + t.imageSize()
            + ", the verifier expects " + size + "x" + size);
      }
      int[] r = responses.get(i);
      if (r.length == 0) {
        throw new IllegalArgumentException("response " + i + " (task " + t.id() + ") is empty: nothing to verify");
      }
      for (int id : r) {
        if (id < 0 || id >= tok.size()) {
          throw new IllegalArgumentException("response " + i + " (task " + t.id() + "): token id " + id
              + " is outside the vocabulary [0, " + tok.size() + ")");
        }
      }
    }
  }
}
