package dev.perceval.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.perceval.policy.model.Inputs;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Grid;
import dev.perceval.policy.world.Judge;
import dev.perceval.policy.world.PerceptionClasses;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How well a model reads scenes: the share of a scene's objects it gets right (object and colour
 * at the right cell). A policy reads through its claims, so an object it states wrongly or leaves
 * out is misread; a verifier reads through its perception head, the cell's image tokens voting.
 * The same measure for both is what says whether the verifier perceives better than the policy
 * it is to teach.
 */
public final class Reading {
  private Reading() {}

  /** Objects seen and read right; the accuracy is derived. */
  public record Result(int objects, int read) {
    public double accuracy() {
      return objects == 0 ? 0 : read / (double) objects;
    }
  }

  /** A policy's reading: an object counts as read when the response holds a right claim about its cell. */
  public static Result fromClaims(World world, List<Task> tasks, List<List<String>> responses) {
    Grid grid = world.grid();
    int objects = 0;
    int read = 0;
    for (int i = 0; i < tasks.size(); i++) {
      List<Fact> facts = tasks.get(i).facts();
      Set<Integer> readCells = new HashSet<>();
      for (Judge.Judged j : Judge.judge(world, responses.get(i), facts)) {
        if (j.segment().isClaim() && j.verdict().correct()) {
          readCells.add(grid.cell(j.segment().claim()));
        }
      }
      for (Fact f : facts) {
        objects++;
        read += readCells.contains(grid.cell(f)) ? 1 : 0;
      }
    }
    return new Result(objects, read);
  }

  /**
   * A model's perception head: an object counts as read when both argmaxes of its cell's logits
   * ({@link #cellLogits}) are right, object and colour.
   */
  public static Result fromHead(TinyVlm model, Tokenizer tok, World world, List<Task> tasks, int batchSize) {
    PerceptionClasses classes = world.perceptionClasses();
    int objectClasses = classes.objects().size();
    float[][][] logits = cellLogits(model, tok, world, tasks, batchSize);
    int objects = 0;
    int read = 0;
    for (int b = 0; b < tasks.size(); b++) {
      for (Fact f : tasks.get(b).facts()) {
        float[] cell = logits[b][world.grid().cell(f)];
        objects++;
        boolean right = argmax(cell, 0, objectClasses) == classes.objectClass(f)
            && argmax(cell, objectClasses, cell.length) - objectClasses == classes.colourClass(f);
        read += right ? 1 : 0;
      }
    }
    return new Result(objects, read);
  }

  /**
   * What the perception head sees in each grid cell of each task's image: per task and cell, the
   * mean of the head's logits (objects, then colours) over the image tokens whose patch centre
   * lies in the cell. The prompt is the task's question, as in the head's training.
   */
  public static float[][][] cellLogits(TinyVlm model, Tokenizer tok, World world, List<Task> tasks, int batchSize) {
    VlmConfig cfg = model.config();
    Grid grid = world.grid();
    int g = cfg.grid();
    int[] cellOf = new int[g * g];
    int[] tokensIn = new int[grid.cells()];
    for (int t = 0; t < g * g; t++) {
      cellOf[t] = grid.cellAt((t % g) * cfg.patch() + cfg.patch() / 2, (t / g) * cfg.patch() + cfg.patch() / 2,
          cfg.imageSize());
      tokensIn[cellOf[t]]++;
    }
    float[][][] out = new float[tasks.size()][][];
    Torch.noGrad();
    for (int from = 0; from < tasks.size(); from += batchSize) {
      List<Task> chunk = tasks.subList(from, Math.min(tasks.size(), from + batchSize));
      float[][] images = chunk.stream().map(Task::image).toArray(float[][]::new);
      int[][] prompts = chunk.stream().map(t -> tok.prompt(t.question())).toArray(int[][]::new);
      try (NDManager m = model.newSubManager()) {
        NDArray percept = model.forwardBoth(Inputs.of(m, cfg, images, Inputs.join(prompts, null)), null, true)
            .perception();
        int width = (int) percept.getShape().get(2);
        float[] logits = percept.toFloatArray();
        for (int b = 0; b < chunk.size(); b++) {
          float[][] cells = new float[grid.cells()][width];
          for (int t = 0; t < g * g; t++) {
            for (int c = 0; c < width; c++) {
              cells[cellOf[t]][c] += logits[(b * g * g + t) * width + c] / tokensIn[cellOf[t]];
            }
          }
          out[from + b] = cells;
        }
      }
    }
    return out;
  }

  private static int argmax(float[] x, int from, int to) {
    int best = from;
    for (int i = from + 1; i < to; i++) {
      best = x[i] > x[best] ? i : best;
    }
    return best;
  }
}
