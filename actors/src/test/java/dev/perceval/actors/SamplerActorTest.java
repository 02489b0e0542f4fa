package dev.perceval.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import ai.djl.Device;
import com.typesafe.config.ConfigFactory;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.sampling.Sampler;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Continue: decoding from response prefixes through the actor equals decoding in process. */
class SamplerActorTest {
  @TempDir static Path dir;
  static ActorTestKit kit;
  static Path policy;

  @BeforeAll
  static void setUp() {
    kit = ActorTestKit.create(ConfigFactory.parseString("akka.actor.serialize-messages = on")
        .withFallback(ConfigFactory.load()));
    policy = Fixtures.policy(dir);
  }

  @AfterAll
  static void tearDown() {
    kit.shutdownTestKit();
  }

  @Test
  void continueDecodesFromEachPrefixLikeTheInProcessSampler() {
    World world = Fixtures.world();
    Task task = world.task(new TaskId("shapes", Split.HELDOUT, 3, 0));
    ModelCheckpoint.Loaded local = ModelCheckpoint.load(policy, "policy", Device.cpu());
    int[] prompt = local.tokenizer().prompt(task.question());
    List<int[]> prefixes = List.of(new int[0],
        java.util.Arrays.copyOf(local.tokenizer().encode(task.goldResponse()), 4));
    SamplingParams params = SamplingParams.sample(1f, 1f, 12);
    ModelSource.Models model = new ModelSource.Models("tts", policy.toString(), "", "shapes", List.of(), 8);
    ActorRef<SamplerActor.Command> sampler = kit.spawn(SamplerActor.create(new ModelSource(Device.cpu(), dir), "cpu"));
    TestProbe<SamplerActor.Continued> probe = kit.createTestProbe();
    sampler.tell(new SamplerActor.Continue(model, WeightsSource.initial(), ImageBytes.encode(task.image()), prompt,
        prefixes, new long[] {42L, 43L}, params, probe.getRef()));
    SamplerActor.Continued reply = probe.receiveMessage(Duration.ofSeconds(60));
    assertNull(reply.error(), reply.error());
    assertEquals(2, reply.generations().size());
    try (var m = local.model()) {
      for (int r = 0; r < prefixes.size(); r++) {
        int[] row = java.util.Arrays.copyOf(prompt, prompt.length + prefixes.get(r).length);
        System.arraycopy(prefixes.get(r), 0, row, prompt.length, prefixes.get(r).length);
        Generation g = Sampler.generate(m, local.tokenizer().stop(), new float[][] {task.image()}, new int[][] {row},
            new long[] {42L + r}, params).get(0);
        assertArrayEquals(g.tokens(), reply.generations().get(r).tokens(), "row " + r);
      }
    }
    sampler.tell(new SamplerActor.Continue(model, WeightsSource.initial(), new byte[] {1, 2, 3}, prompt, prefixes,
        new long[] {1L, 2L}, params, probe.getRef()));
    SamplerActor.Continued bad = probe.receiveMessage(Duration.ofSeconds(30));
    assertTrue(bad.error() != null && bad.error().contains("float32"), String.valueOf(bad.error()));
  }
}
