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

/**
 * Continue: decoding from response prefixes through the actor equals decoding in process. A
 * weight fetch from a learner whose node leaves gives up in seconds, not after the ask's timeout.
 */
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

  @Test
  void aWeightFetchFromALearnerWhoseNodeLeavesGivesUpInSeconds() {
    com.typesafe.config.Config cluster = ConfigFactory.parseString("akka.actor.provider = cluster,"
        + " akka.remote.artery.canonical { hostname = \"127.0.0.1\", port = 0 },"
        + " akka.cluster.jmx.multi-mbeans-in-same-jvm = on, perceval.transport.bulk = artery,"
        + " perceval.actors.shard-timeout = 60s").withFallback(ConfigFactory.load());
    ActorTestKit samplerNode = ActorTestKit.create("perceval", cluster);
    ActorTestKit learnerNode = ActorTestKit.create("perceval", cluster);
    try {
      akka.cluster.typed.Cluster a = akka.cluster.typed.Cluster.get(samplerNode.system());
      a.manager().tell(akka.cluster.typed.Join.create(a.selfMember().address()));
      akka.cluster.typed.Cluster b = akka.cluster.typed.Cluster.get(learnerNode.system());
      b.manager().tell(akka.cluster.typed.Join.create(a.selfMember().address()));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (java.util.stream.StreamSupport.stream(a.state().getMembers().spliterator(), false)
          .filter(m -> m.status() == akka.cluster.MemberStatus.up()).count() < 2) {
        assertTrue(System.nanoTime() < deadline, "the two nodes did not form a cluster");
        sleep(100);
      }
      // A learner that never answers, reached over remoting as a real one on another node is.
      ActorRef<LearnerActor.Command> silent = learnerNode.spawn(akka.actor.typed.javadsl.Behaviors.ignore(), "learner");
      ActorRef<LearnerActor.Command> remote = akka.actor.typed.ActorRefResolver.get(samplerNode.system())
          .resolveActorRef(akka.actor.typed.ActorRefResolver.get(learnerNode.system()).toSerializationFormat(silent));
      ModelSource.Models model = new ModelSource.Models("fetch", policy.toString(), "", "shapes", List.of(), 8);
      ActorRef<SamplerActor.Command> sampler = samplerNode.spawn(SamplerActor.create(
          new ModelSource(Device.cpu(), dir), "cpu"));
      TestProbe<SamplerActor.WeightsLoaded> probe = samplerNode.createTestProbe();
      sampler.tell(new SamplerActor.LoadWeights(model, new WeightsSource(1, "00", 1024, remote), probe.getRef()));
      sleep(2000);
      learnerNode.shutdownTestKit();
      SamplerActor.WeightsLoaded reply = probe.receiveMessage(Duration.ofSeconds(20));
      assertTrue(reply.error() != null && reply.error().contains("learner's node"), String.valueOf(reply.error()));
    } finally {
      samplerNode.shutdownTestKit();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
