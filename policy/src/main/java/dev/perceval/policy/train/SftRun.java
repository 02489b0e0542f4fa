package dev.perceval.policy.train;

import dev.perceval.policy.Settings;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.util.ArrayList;
import java.util.List;

/**
 * The SFT warm start over a task world. The data cursor is the step itself: step s trains on
 * train-split tasks {@code s * batch .. (s + 1) * batch - 1}, so a resumed run sees exactly the
 * data an uninterrupted one would.
 */
public final class SftRun {
  /** Called after every step, e.g. to drive a progress bar. */
  public interface Listener {
    void onStep(long step, Sft.StepResult result);
  }

  private SftRun() {}

  public static List<Task> batch(World world, long seed, long step, int size) {
    List<Task> tasks = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      tasks.add(world.task(Split.TRAIN, seed, step * size + i));
    }
    return tasks;
  }

  /**
   * Runs steps {@code from .. to - 1} of a schedule {@code settings.steps} long; returns the mean
   * loss of the last 20 steps.
   */
  public static double run(TinyVlm model, AdamW optimizer, Tokenizer tok, World world, long seed,
      Settings.Sft settings, long from, long to, Listener listener) {
    Sft sft = new Sft(model, optimizer, settings.schedule(), world, settings.perceptionWeight());
    double[] recent = new double[20];
    int seen = 0;
    for (long step = from; step < Math.min(to, settings.steps()); step++) {
      Batch b = Batch.of(batch(world, seed, step, settings.batchSize()), tok);
      Sft.StepResult r = sft.step(step, b);
      recent[seen++ % recent.length] = r.loss();
      listener.onStep(step, r);
    }
    double sum = 0;
    int n = Math.min(seen, recent.length);
    for (int i = 0; i < n; i++) {
      sum += recent[i];
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
