package dev.perceval.policy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.TinyModels;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerceptionTargetsTest {
  static final World DIGITS = Worlds.create("digits", WorldConfig.defaults());
  static final Task TASK = new Task("t", "digits", "sum", "q", null, "8", List.of(
      new Fact("digit", "3", "red", null, 0, 0), new Fact("shape", "cross", "magenta", "small", 2, 1)),
      new float[3 * 48 * 48], 48);

  @Test
  void eachTokenLearnsTheCellUnderItsPatchCentre() {
    VlmConfig cellPatches = new VlmConfig(48, 16, 0, 32, 1, 2, 30, 48, VlmConfig.Mode.POLICY);
    PerceptionTargets t = PerceptionTargets.of(DIGITS, List.of(TASK), cellPatches);
    assertEquals(List.of(3, 14, 14, 14, 14, 14, 14, 13, 14), box(t.objects()[0]));
    assertEquals(List.of(0, 5, 5, 5, 5, 5, 5, 4, 5), box(t.colours()[0]));
    VlmConfig quarterPatches = new VlmConfig(48, 8, 0, 32, 1, 2, 30, 48, VlmConfig.Mode.POLICY);
    PerceptionTargets q = PerceptionTargets.of(DIGITS, List.of(TASK), quarterPatches);
    for (int token : new int[] {0, 1, 6, 7}) {
      assertEquals(3, q.objects()[0][token], "top-left 2x2 patches see the 3");
    }
    assertEquals(14, q.objects()[0][2]);
    assertEquals(13, q.objects()[0][6 * 5 + 2], "bottom-middle cell holds the cross");
  }

  @Test
  void perceptionLossFallsWhenWeighted() {
    float[][] images = TinyModels.images(4, 16, 1);
    int[][] prompts = TinyModels.prompts(4, 20, 2);
    int[][] responses = {{3, 7}, {4, 7}, {5, 7}, {6, 7}};
    List<Task> tasks = List.of(0, 1, 2, 3).stream().map(i -> new Task("t" + i, "digits", "sum", "q", null, "1",
        List.of(new Fact("digit", Integer.toString(i), "red", null, i % 3, 0)), images[i], 16)).toList();
    Batch batch = new Batch(tasks, images, prompts, responses);
    try (TinyVlm model = TinyModels.model(20, 4); AdamW opt = new AdamW(model, AdamW.Hyper.defaults())) {
      Sft sft = new Sft(model, opt, new Schedule(1e-2f, 1, 40, 1f), DIGITS, 1f);
      double first = sft.step(0, batch).perceptionLoss();
      double last = first;
      for (int s = 1; s < 40; s++) {
        last = sft.step(s, batch).perceptionLoss();
      }
      assertTrue(last < first / 3, "perception loss " + first + " -> " + last);
      assertTrue(Double.isNaN(new Sft(model, opt, new Schedule(1e-3f, 1, 2, 1f)).step(0, batch).perceptionLoss()));
    }
  }

  private static List<Integer> box(int[] a) {
    return java.util.Arrays.stream(a).boxed().toList();
  }
}
