package dev.perceval.policy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.world.Fact;
import dev.perceval.policy.world.Grid;
import dev.perceval.policy.world.PerceptionClasses;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The perception head's labels are the world's: its classes, read through its grid. */
class WorldPerceptionTest {
  static final VlmConfig CFG = new VlmConfig(48, 8, 0, 32, 1, 2, 30, 48, VlmConfig.Mode.POLICY);

  /** The class names a world's scenes are labelled with, objects then colours. */
  private static List<Set<String>> labelled(World world) {
    List<Task> tasks = SftRun.batch(world, Split.TRAIN, 3, 0, 60);
    PerceptionTargets t = PerceptionTargets.of(world, tasks, CFG);
    Set<String> objects = new TreeSet<>();
    Set<String> colours = new TreeSet<>();
    for (int b = 0; b < tasks.size(); b++) {
      Arrays.stream(t.objects()[b]).forEach(c -> objects.add(t.classes().objects().get(c)));
      Arrays.stream(t.colours()[b]).forEach(c -> colours.add(t.classes().colours().get(c)));
    }
    return List.of(objects, colours);
  }

  @Test
  void aShapesSceneIsLabelledWithShapesKindsOnly() {
    List<Set<String>> seen = labelled(Worlds.create("shapes", WorldConfig.defaults()));
    assertEquals(Set.of("circle", "square", "triangle", "cross", "nothing"), seen.get(0));
    assertEquals(Set.of("red", "green", "blue", "yellow", "magenta", "nothing"), seen.get(1));
  }

  @Test
  void aDigitsSceneIsLabelledWithDigitsOnly() {
    Set<String> objects = labelled(Worlds.create("digits", WorldConfig.defaults())).get(0);
    assertEquals(Set.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "nothing"), objects);
  }

  /** A world with one row of two cells and its own class order labels by those, not by 3x3. */
  @Test
  void targetsFollowTheWorldsGridAndClasses() {
    World digits = Worlds.create("digits", WorldConfig.defaults().withImageSize(16));
    PerceptionClasses own = new PerceptionClasses(List.of("7", "3", "nothing"), List.of("green", "red", "nothing"));
    World oneRow = (World) Proxy.newProxyInstance(World.class.getClassLoader(), new Class<?>[] {World.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "grid" -> new Grid(1, 2);
          case "perceptionClasses" -> own;
          default -> method.invoke(digits, args);
        });
    Task task = new Task("t", "digits", "sum", "q", null, "10", List.of(
        new Fact("digit", "3", "red", null, 0, 0), new Fact("digit", "7", "green", null, 0, 1)),
        new float[3 * 16 * 16], 16);
    VlmConfig twoByTwo = new VlmConfig(16, 8, 0, 32, 1, 2, 30, 48, VlmConfig.Mode.POLICY);
    PerceptionTargets t = PerceptionTargets.of(oneRow, List.of(task), twoByTwo);
    assertEquals(own, t.classes());
    assertEquals(List.of(1, 0, 1, 0), Arrays.stream(t.objects()[0]).boxed().toList(), "left cell 3, right cell 7");
    assertEquals(List.of(1, 0, 1, 0), Arrays.stream(t.colours()[0]).boxed().toList());
    PerceptionTargets grid3 = PerceptionTargets.of(digits, List.of(task), twoByTwo);
    assertEquals(List.of(3, 14, 14, 14), Arrays.stream(grid3.objects()[0]).boxed().toList(),
        "on the 3x3 grid only the 3 lies under a patch centre");
  }
}
