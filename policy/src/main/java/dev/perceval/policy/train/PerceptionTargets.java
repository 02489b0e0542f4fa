package dev.perceval.policy.train;

import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Grid;
import dev.perceval.policy.world.PerceptionClasses;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.List;

/**
 * Labels for the perception head: for every token, the object class {@code objects[b][token]} and
 * the colour class {@code colours[b][token]} (counted from 0 within the colours) of what lies in a
 * grid cell, in the label space {@code classes}. Dense supervision of this kind is what a
 * pretrained vision tower brings to a real VLM.
 */
public record PerceptionTargets(PerceptionClasses classes, int[][] objects, int[][] colours) {

  /** For every image token of {@code cfg}, what the world's grid cell under its patch centre holds. */
  public static PerceptionTargets of(World world, List<Task> tasks, VlmConfig cfg) {
    Grid grid = world.grid();
    PerceptionClasses classes = world.perceptionClasses();
    int g = cfg.grid();
    int size = cfg.imageSize();
    int[][] objects = new int[tasks.size()][g * g];
    int[][] colours = new int[tasks.size()][g * g];
    for (int b = 0; b < tasks.size(); b++) {
      Fact[] cells = new Fact[grid.cells()];
      for (Fact f : tasks.get(b).facts()) {
        cells[grid.cell(f)] = f;
      }
      for (int t = 0; t < g * g; t++) {
        int cx = (t % g) * cfg.patch() + cfg.patch() / 2;
        int cy = (t / g) * cfg.patch() + cfg.patch() / 2;
        Fact f = cells[grid.cellAt(cx, cy, size)];
        objects[b][t] = classes.objectClass(f);
        colours[b][t] = classes.colourClass(f);
      }
    }
    return new PerceptionTargets(classes, objects, colours);
  }
}
