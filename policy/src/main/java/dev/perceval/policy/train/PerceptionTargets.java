package dev.perceval.policy.train;

import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Task;
import java.util.List;

/**
 * Labels for the perception head: for every image token, what lies in the grid cell under its
 * patch centre. The first {@link #VALUES} logits classify the object (digits 0-9, the four shape
 * kinds, or nothing), the remaining {@link #COLOURS} its colour (five tints, or nothing). Dense
 * supervision of this kind is what a pretrained vision tower brings to a real VLM.
 */
public final class PerceptionTargets {
  public static final int VALUES = 15;
  public static final int COLOURS = 6;
  private static final List<String> KINDS = List.of("circle", "square", "triangle", "cross");
  private static final List<String> TINTS = List.of("red", "green", "blue", "yellow", "magenta");

  static {
    if (VALUES + COLOURS != TinyVlm.PERCEPTION_CLASSES) {
      throw new IllegalStateException("perception classes out of step with the model");
    }
  }

  private PerceptionTargets() {}

  /** The object class of what a cell holds: its digit, its shape kind, or nothing (null). */
  public static int valueClass(Fact f) {
    return f == null ? VALUES - 1
        : f.kind().equals("digit") ? Integer.parseInt(f.value()) : 10 + KINDS.indexOf(f.value());
  }

  /** The colour class of what a cell holds, or nothing (null). */
  public static int colourClass(Fact f) {
    return f == null ? COLOURS - 1 : TINTS.indexOf(f.colour());
  }

  /** {values[b][token], colours[b][token]} with colour classes counted from 0. */
  public static int[][][] of(List<Task> tasks, VlmConfig cfg) {
    int g = cfg.grid();
    int size = cfg.imageSize();
    int[][] values = new int[tasks.size()][g * g];
    int[][] colours = new int[tasks.size()][g * g];
    for (int b = 0; b < tasks.size(); b++) {
      Fact[] cells = new Fact[9];
      for (Fact f : tasks.get(b).facts()) {
        cells[f.cell()] = f;
      }
      for (int t = 0; t < g * g; t++) {
        int cx = (t % g) * cfg.patch() + cfg.patch() / 2;
        int cy = (t / g) * cfg.patch() + cfg.patch() / 2;
        Fact f = cells[Math.min(2, cy * 3 / size) * 3 + Math.min(2, cx * 3 / size)];
        values[b][t] = valueClass(f);
        colours[b][t] = colourClass(f);
      }
    }
    return new int[][][] {values, colours};
  }
}
