package dev.perceval.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.DispatcherSelector;
import ai.djl.Device;
import com.typesafe.config.ConfigFactory;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.grpo.GrpoLoop;
import dev.perceval.policy.grpo.LocalLearner;
import dev.perceval.policy.grpo.LocalSamplerGroup;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.world.World;
import dev.perceval.prm.LocalVerifierGroup;
import dev.perceval.prm.OracleVerifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop through actors gives exactly the numbers it gives in one process. */
class ActorGroupsTest {
  @TempDir static Path dir;
  static ActorTestKit kit;
  static Path policy;

  @BeforeAll
  static void setUp() {
    // Every message is serialized even locally, so CBOR round trips are exercised too.
    kit = ActorTestKit.create(ConfigFactory.parseString("akka.actor.serialize-messages = on\nperceval.transport.bulk = artery")
        .withFallback(ConfigFactory.load()));
    policy = Fixtures.policy(dir);
  }

  @AfterAll
  static void tearDown() {
    kit.shutdownTestKit();
  }

  private static List<Map<String, Double>> clean(List<Map<String, Double>> runs) {
    List<Map<String, Double>> out = new ArrayList<>();
    for (Map<String, Double> m : runs) {
      Map<String, Double> c = new TreeMap<>(m);
      c.keySet().removeIf(k -> k.startsWith("timing_s/") || k.startsWith("perf/"));
      out.add(c);
    }
    return out;
  }

  private static List<Map<String, Double>> run(GrpoLoop loop, int steps) {
    List<Map<String, Double>> out = new ArrayList<>();
    for (int s = 0; s < steps; s++) {
      out.add(loop.step(s).metrics());
    }
    out.add(loop.evaluate());
    return clean(out);
  }

  private static List<Map<String, Double>> inProcess(CampaignSpec spec, World world) {
    return inProcess(policy, spec, world, loop -> run(loop, spec.steps()));
  }

  /** Builds the in-process loop (samplers, oracle verifier, learner) and hands it to {@code body}. */
  static <T> T inProcess(Path policy, CampaignSpec spec, World world, java.util.function.Function<GrpoLoop, T> body) {
    ModelCheckpoint.Loaded p = ModelCheckpoint.load(policy, "policy", Device.cpu());
    ModelCheckpoint.Loaded ref = ModelCheckpoint.load(policy, "policy", Device.cpu());
    ModelCheckpoint.Loaded replica = ModelCheckpoint.load(policy, "policy", Device.cpu());
    try (var pm = p.model(); var rm = ref.model(); var rep = replica.model();
        AdamW opt = new AdamW(pm, new AdamW.Hyper(0.9f, 0.999f, 1e-8f, 0f, 1f));
        LocalLearner learner = new LocalLearner(pm, rm, opt, p.tokenizer(), world::task, spec,
            spec.outDir().resolve("checkpoints"), Map.of(), 0)) {
      GrpoLoop loop = new GrpoLoop(spec, world, p.tokenizer(), world::task,
          new LocalSamplerGroup(rep, p.tokenizer(), world::task, spec.rollout().microBatch(), 0, learner::weights),
          new LocalVerifierGroup(new OracleVerifier(world, p.tokenizer()), world::task), learner);
      return body.apply(loop);
    }
  }

  @Test
  void aCampaignThroughActorsMatchesTheInProcessRun() {
    CampaignSpec spec = CampaignSpec.parse(Fixtures.spec(policy, dir.resolve("run"), "algorithm.alpha = 0.1"));
    World world = ModelSourceWorlds.of(spec, policy);
    List<Map<String, Double>> local = inProcess(spec, world);
    assertEquals(local, throughActors(kit, spec, world, "artery"));
    assertTrue(local.get(0).get("policy/version") == 1.0);
  }

  @Test
  void theAeronBulkPathGivesTheSameRun() {
    CampaignSpec spec = CampaignSpec.parse(Fixtures.spec(policy, dir.resolve("run-aeron"), "algorithm.alpha = 0.1"));
    World world = ModelSourceWorlds.of(spec, policy);
    List<Map<String, Double>> local = inProcess(spec, world);
    ActorTestKit aeronKit = ActorTestKit.create("aeron", ConfigFactory.parseString(
            "akka.actor.serialize-messages = on\nperceval.transport.bulk = aeron\n"
                + "perceval.transport.aeron.dir = \"" + dir.resolve("aeron") + "\"")
        .withFallback(ConfigFactory.load()));
    try {
      assertEquals(local, throughActors(aeronKit, spec, world, "aeron"));
    } finally {
      aeronKit.shutdownTestKit();
    }
  }

  private static List<Map<String, Double>> throughActors(ActorTestKit kit, CampaignSpec spec, World world, String tag) {
    ModelSource source = new ModelSource(Device.cpu(), dir.resolve("cache-" + tag));
    DispatcherSelector dispatcher = DispatcherSelector.fromConfig("perceval.actors.model-dispatcher");
    kit.spawn(SamplerActor.create(source, "cpu"), "sampler-a", dispatcher);
    kit.spawn(SamplerActor.create(source, "cpu"), "sampler-b", dispatcher);
    kit.spawn(VerifierActor.create(source, "cpu"), "verifier", dispatcher);
    ActorRef<LearnerActor.Command> learnerRef = kit.spawn(LearnerActor.create(source), "learner", dispatcher);
    WorkerGroup<SamplerActor.Command> samplers = new WorkerGroup<>(kit.system(), SamplerActor.KEY, Duration.ofSeconds(60));
    WorkerGroup<VerifierActor.Command> verifiers = new WorkerGroup<>(kit.system(), VerifierActor.KEY, Duration.ofSeconds(60));
    WorkerGroup<LearnerActor.Command> learners = new WorkerGroup<>(kit.system(), LearnerActor.KEY, Duration.ofSeconds(60));
    ActorGroups.RemoteLearner learner = new ActorGroups.RemoteLearner(learners, learners.first(), Duration.ofSeconds(60));
    assertEquals(0, learner.start(spec.render(), null));
    ModelSource.Models models = ModelSource.Models.of("c-" + tag, spec);
    GrpoLoop loop = new GrpoLoop(spec, world, ModelCheckpoint.load(policy, "policy", Device.cpu()).tokenizer(), world::task,
        new ActorGroups.Samplers(samplers, models, learnerRef, WeightsSource.initial(), () -> false),
        new ActorGroups.Verifiers(verifiers, models), learner);
    List<Map<String, Double>> actors = run(loop, spec.steps());
    assertEquals(2, samplers.workers().size());
    return actors;
  }
}
