package dev.perceval.policy.train;

import ai.djl.Device;
import dev.perceval.policy.RunListener;
import dev.perceval.policy.Settings;
import dev.perceval.policy.io.Checkpoint;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;

/**
 * The SFT warm start over a task world. The data cursor is the step itself: step s trains on
 * train-split tasks {@code s * batch .. (s + 1) * batch - 1}, so a resumed run sees exactly the
 * data an uninterrupted one would.
 */
public final class SftRun {
  private SftRun() {}

  /** Batch {@code step} of {@code size} tasks from {@code split}: SFT trains on the sft split. */
  public static List<Task> batch(World world, Split split, long seed, long step, int size) {
    List<Task> tasks = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      tasks.add(world.task(split, seed, step * size + i));
    }
    return tasks;
  }

  /**
   * Trains a new policy into the checkpoint {@code out}, or with {@code resume} continues the one
   * there (same world, vocabulary and shape, else refused), saving every {@code sft.checkpoint-every}
   * steps and after the last; stops after step {@code until} while the schedule still spans
   * {@code sft.steps}. Returns this run's losses.
   */
  public static List<Double> train(Settings s, World world, Path out, boolean resume, long until, Device device,
      RunListener listener) {
    Tokenizer tok = Tokenizer.of(world.vocabulary());
    VlmConfig shape = s.model().shape(s.world().imageSize(), tok.size());
    long end = Math.min(until, s.sft().steps());
    long from = 0;
    ModelCheckpoint.Loaded previous = null;
    TinyVlm model;
    if (resume && Files.exists(out.resolve(Checkpoint.MANIFEST))) {
      previous = ModelCheckpoint.load(out, "policy", device);
      model = previous.model();
      if (!model.config().equals(shape) || !previous.tokenizer().equals(tok)
          || !world.name().equals(previous.meta().get("world"))) {
        model.close();
        throw new IllegalArgumentException("cannot resume from " + out + ": it was trained with another"
            + " world, vocabulary or model shape (" + previous.meta().get("world") + ", " + model.config() + ")");
      }
      from = previous.step();
      if (from >= end) {
        model.close();
        throw new IllegalArgumentException("nothing to do: " + out + " is already at step " + from);
      }
    } else {
      model = new TinyVlm(shape, device, s.seed());
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("world", world.name());
    meta.put("families", String.join(",", s.world().families()));
    meta.put("seed", Long.toString(s.seed()));
    List<Double> losses = new ArrayList<>();
    try (model; AdamW opt = new AdamW(model, s.sft().hyper())) {
      if (previous != null) {
        previous.restore(opt);
      }
      listener.note(String.format(Locale.ROOT, "sft: world %s, %.2fM parameters (d%d x %d layers, %d image tokens),"
              + " steps %d..%d x %d, traces of the sft split (%s)", world.name(), model.parameterCount() / 1e6,
          shape.dModel(), shape.layers(), shape.imageTokens(), from, s.sft().steps(), s.sft().batchSize(),
          s.world().sftInstances() == 0 ? "the whole train pool" : s.world().sftInstances() + " train instances"));
      long t0 = System.nanoTime();
      int every = s.sft().checkpointEvery();
      try (RunListener.Phase phase = listener.phase("sft", s.sft().steps())) {
        phase.advance(from, null);
        Sft sft = new Sft(model, opt, s.sft().schedule(), world, s.sft().perceptionWeight());
        for (long step = from; step < end; step++) {
          Sft.StepResult r = sft.step(step, Batch.of(batch(world, Split.SFT, s.seed(), step, s.sft().batchSize()), tok));
          losses.add(r.loss());
          phase.advance(1, String.format(Locale.ROOT, "loss %.3f", r.loss()));
          if (every > 0 && (step + 1) % every == 0 && step + 1 < end) {
            ModelCheckpoint.save(out, "policy", model, tok, opt, step + 1, Map.of("seed", s.seed()), meta);
          }
        }
      }
      ModelCheckpoint.save(out, "policy", model, tok, opt, end, Map.of("seed", s.seed()), meta);
      listener.note(String.format(Locale.ROOT, "sft: done in %.0f s, final loss %s; checkpoint %s",
          (System.nanoTime() - t0) / 1e9,
          losses.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.3f", losses.get(losses.size() - 1)), out));
    }
    return losses;
  }
}
