package dev.perceval.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.DispatcherSelector;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.grpo.GrpoLoop;
import dev.perceval.policy.io.DataRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's protocol and its recovery from the journal, with real samplers, verifier
 * and learner on a tiny model: a coordinator stopped mid-campaign and started again continues
 * after its last journaled step and ends with the numbers of an uninterrupted run.
 */
class CoordinatorTest {
  @TempDir static Path dir;
  static ActorTestKit kit;
  static Path policy;
  static CampaignRunner.Workers workers;
  static ModelSource source;
  PersistenceTestKit journal;

  @BeforeAll
  static void setUp() {
    kit = Fixtures.persistenceKit();
    policy = Fixtures.policy(dir);
    source = new ModelSource(Device.cpu(), dir.resolve("cache"));
    DispatcherSelector models = DispatcherSelector.fromConfig("perceval.actors.model-dispatcher");
    kit.spawn(SamplerActor.create(source, "cpu"), "sampler", models);
    kit.spawn(VerifierActor.create(source, "cpu"), "verifier", models);
    kit.spawn(LearnerActor.create(source), "learner", models);
    Duration t = Duration.ofSeconds(60);
    workers = new CampaignRunner.Workers(new WorkerGroup<>(kit.system(), SamplerActor.KEY, t),
        new WorkerGroup<>(kit.system(), VerifierActor.KEY, t), new WorkerGroup<>(kit.system(), LearnerActor.KEY, t));
  }

  @AfterAll
  static void tearDown() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void clearJournal() {
    journal = PersistenceTestKit.create(kit.system());
    journal.clearAll();
  }

  private ActorRef<Coordinator.Command> coordinator(String name) {
    return kit.spawn(Coordinator.create(source, workers, 5, new DataRoot(dir)), name);
  }

  private static CampaignState.Campaign status(ActorRef<Coordinator.Command> c, String id) {
    TestProbe<Coordinator.StatusReply> probe = kit.createTestProbe();
    c.tell(new Coordinator.GetStatus(id, probe.getRef()));
    return probe.receiveMessage().campaign();
  }

  private static CampaignState.Campaign awaitStatus(ActorRef<Coordinator.Command> c, String id,
      CampaignState.Status want, long minStep) {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      CampaignState.Campaign s = status(c, id);
      if (s != null && s.status() == want && s.step() >= minStep) {
        return s;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("campaign " + id + " did not reach " + want + " at step " + minStep + ": " + status(c, id));
  }

  private static String submit(ActorRef<Coordinator.Command> c, String spec) {
    TestProbe<Coordinator.Accepted> probe = kit.createTestProbe();
    c.tell(new Coordinator.Submit(spec, probe.getRef()));
    Coordinator.Accepted a = probe.receiveMessage(Duration.ofSeconds(10));
    assertNull(a.error(), a.error());
    return a.id();
  }

  @Test
  void badSpecsAreRejectedAndUnknownIdsAreNotFound() {
    ActorRef<Coordinator.Command> c = coordinator("coordinator-bad");
    TestProbe<Coordinator.Accepted> probe = kit.createTestProbe();
    c.tell(new Coordinator.Submit("steps = -1", probe.getRef()));
    Coordinator.Accepted a = probe.receiveMessage();
    assertNull(a.id());
    assertTrue(a.error().contains("steps must be at least 1, got -1"), a.error());
    c.tell(new Coordinator.Submit(Fixtures.spec(policy, dir.resolve("wrong-kind"), "verifier = \"" + policy + "\""),
        probe.getRef()));
    a = probe.receiveMessage();
    assertNull(a.id());
    assertTrue(a.error().contains("holds a policy, expected a verifier"), a.error());
    assertNull(status(c, "c9999-nothing"));
    TestProbe<Coordinator.ControlReply> control = kit.createTestProbe();
    c.tell(new Coordinator.Control("c9999-nothing", Coordinator.Action.PAUSE, control.getRef()));
    assertEquals(false, control.receiveMessage().found());
    kit.stop(c);
  }

  @Test
  void aCampaignStoppedMidwayResumesAfterItsLastJournaledStep() {
    String spec = Fixtures.spec(policy, dir.resolve("uninterrupted"), "steps = 4, algorithm.alpha = 0.1");
    ActorRef<Coordinator.Command> first = coordinator("coordinator-a");
    String whole = submit(first, spec);
    Map<String, Double> expected = awaitStatus(first, whole, CampaignState.Status.COMPLETED, 4).metrics();
    kit.stop(first);

    journal.clearAll();
    String resumedSpec = Fixtures.spec(policy, dir.resolve("resumed"), "steps = 4, algorithm.alpha = 0.1");
    ActorRef<Coordinator.Command> second = coordinator("coordinator-b");
    String id = submit(second, resumedSpec);
    awaitStatus(second, id, CampaignState.Status.RUNNING, 2);
    kit.stop(second);
    ActorRef<Coordinator.Command> third = coordinator("coordinator-c");
    CampaignState.Campaign done = awaitStatus(third, id, CampaignState.Status.COMPLETED, 4);
    assertNotNull(done.checkpoint());
    Map<String, Double> got = done.metrics();
    for (String k : expected.keySet()) {
      if (!k.startsWith("timing_s/") && !k.startsWith("perf/")) {
        assertEquals(expected.get(k), got.get(k), k);
      }
    }
    long stepEvents = journal.persistedInStorage(Coordinator.PERSISTENCE_ID).stream()
        .filter(e -> e instanceof CampaignEvents.StepCompleted s && s.id().equals(id)).count();
    assertEquals(4, stepEvents, "every step journaled exactly once");
    kit.stop(third);
  }

  @Test
  void checkpointsFollowTheSpecLikeTheInProcessRunAndAResumeRunsTheStepsAfterTheLastOneAgain() throws Exception {
    String extra = "steps = 12, trainer { eval-n = 8, eval-every = 0, checkpoint-every = 5, keep-checkpoints = 2 }";
    CampaignSpec local = CampaignSpec.parse(Fixtures.spec(policy, dir.resolve("cadence-local"), extra));
    ActorGroupsTest.inProcess(policy, local, ModelSourceWorlds.of(local, policy), loop -> loop.run(0, new GrpoLoop.Listener() {}));

    Path out = dir.resolve("cadence-actors");
    ActorRef<Coordinator.Command> first = coordinator("coordinator-cadence-a");
    String id = submit(first, Fixtures.spec(policy, out, extra));
    // Stopped after step 7 at the earliest: its journaled checkpoint is step 5's (or 10's), so
    // the next coordinator runs the steps after it again.
    CampaignState.Campaign stopped = awaitStatus(first, id, CampaignState.Status.RUNNING, 7);
    kit.stop(first);
    ActorRef<Coordinator.Command> second = coordinator("coordinator-cadence-b");
    CampaignState.Campaign done = awaitStatus(second, id, CampaignState.Status.COMPLETED, 12);
    kit.stop(second);

    assertTrue(stopped.checkpoint().endsWith("step-5") || stopped.checkpoint().endsWith("step-10"),
        stopped.checkpoint());
    assertEquals(List.of("step-10", "step-12"), names(dir.resolve("cadence-local/checkpoints")));
    assertEquals(names(dir.resolve("cadence-local/checkpoints")), names(out.resolve("checkpoints")));
    assertEquals(out.resolve("checkpoints/step-12").toString(), done.checkpoint());
    assertEquals(Files.readAllLines(dir.resolve("cadence-local/eval.csv")), Files.readAllLines(out.resolve("eval.csv")));
    assertEquals(13, Files.readAllLines(out.resolve("metrics.csv")).size(), "a header and each step once");
    long stepEvents = journal.persistedInStorage(Coordinator.PERSISTENCE_ID).stream()
        .filter(e -> e instanceof CampaignEvents.StepCompleted s && s.id().equals(id)).count();
    assertEquals(12, stepEvents, "every step journaled exactly once");
  }

  @Test
  void aFailedCampaignResumesOnceWhatFailedItIsFixed() throws Exception {
    Path copy = dir.resolve("policy-copy");
    copyTree(policy, copy);
    Path params = copy.resolve("model.safetensors");
    byte[] good = Files.readAllBytes(params);
    byte[] bad = good.clone();
    bad[100] ^= 0x55;
    Files.write(params, bad);
    ActorRef<Coordinator.Command> c = coordinator("coordinator-failed");
    String id = submit(c, Fixtures.spec(copy, dir.resolve("failed"), "steps = 2"));
    CampaignState.Campaign failed = awaitStatus(c, id, CampaignState.Status.FAILED, 0);
    assertTrue(failed.error().contains("model.safetensors fails its sha-256 check"), failed.error());
    Files.write(params, good);
    TestProbe<Coordinator.ControlReply> control = kit.createTestProbe();
    c.tell(new Coordinator.Control(id, Coordinator.Action.RESUME, control.getRef()));
    Coordinator.ControlReply reply = control.receiveMessage();
    assertNull(reply.error(), reply.error());
    CampaignState.Campaign done = awaitStatus(c, id, CampaignState.Status.COMPLETED, 2);
    assertNull(done.error());
    kit.stop(c);
  }

  @Test
  void aJournalThatFailsRestartsTheCoordinatorWhichIsNotReadyMeanwhileAndLosesNoStep() throws Exception {
    String spec = "steps = 4, algorithm.alpha = 0.1";
    ActorRef<Coordinator.Command> clean = coordinator("coordinator-journal-clean");
    String whole = submit(clean, Fixtures.spec(policy, dir.resolve("journal-clean"), spec));
    Map<String, Double> expected = awaitStatus(clean, whole, CampaignState.Status.COMPLETED, 4).metrics();
    kit.stop(clean);

    journal.clearAll();
    ActorRef<Coordinator.Command> c = coordinator("coordinator-journal-failing");
    assertTrue(Coordinator.ready(c, kit.system(), Duration.ofSeconds(5)).toCompletableFuture().get());
    String id = submit(c, Fixtures.spec(policy, dir.resolve("journal-failing"), spec));
    awaitStatus(c, id, CampaignState.Status.RUNNING, 1);
    // The next three writes fail (step 2's, and its next two tries): three restarts, backoff 1 + 2 + 4 s.
    journal.failNextNPersisted(3);
    boolean sawNotReady = false;
    CampaignState.Campaign done = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (done == null && System.nanoTime() < deadline) {
      if (!Coordinator.ready(c, kit.system(), Duration.ofMillis(500)).toCompletableFuture().get()) {
        sawNotReady = true;
        continue;
      }
      // A write may fail between the two asks: the status waits for the restart.
      TestProbe<Coordinator.StatusReply> probe = kit.createTestProbe();
      c.tell(new Coordinator.GetStatus(id, probe.getRef()));
      CampaignState.Campaign s = probe.receiveMessage(Duration.ofSeconds(30)).campaign();
      assertTrue(s.status() == CampaignState.Status.RUNNING || s.status() == CampaignState.Status.COMPLETED,
          s.status() + ": " + s.error());
      done = s.status() == CampaignState.Status.COMPLETED ? s : null;
      Thread.sleep(100);
    }
    assertTrue(sawNotReady, "the coordinator was never not ready while its journal failed");
    assertNotNull(done, "the campaign did not complete after the journal came back: " + status(c, id));
    for (String k : expected.keySet()) {
      if (!k.startsWith("timing_s/") && !k.startsWith("perf/")) {
        assertEquals(expected.get(k), done.metrics().get(k), k);
      }
    }
    List<Long> steps = journal.persistedInStorage(Coordinator.PERSISTENCE_ID).stream()
        .filter(e -> e instanceof CampaignEvents.StepCompleted s && s.id().equals(id))
        .map(e -> ((CampaignEvents.StepCompleted) e).step()).toList();
    assertEquals(List.of(1L, 2L, 3L, 4L), steps, "every step journaled exactly once");
    kit.stop(c);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static List<String> names(Path checkpoints) throws IOException {
    try (Stream<Path> s = Files.list(checkpoints)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
