package dev.perceval.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.DispatcherSelector;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.TaskId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TTS session journals every call; recovered mid-loop it replays them and ends as an uninterrupted one. */
class TtsSessionTest {
  @TempDir static Path dir;
  static ActorTestKit kit;
  static TtsRunner.Workers workers;
  static PersistenceTestKit journal;
  static Path policy;

  @BeforeAll
  static void setUp() {
    kit = Fixtures.persistenceKit();
    journal = PersistenceTestKit.create(kit.system());
    policy = Fixtures.policy(dir);
    ModelSource source = new ModelSource(Device.cpu(), dir.resolve("cache"));
    DispatcherSelector models = DispatcherSelector.fromConfig("perceval.actors.model-dispatcher");
    kit.spawn(SamplerActor.create(source, "cpu"), "sampler", models);
    kit.spawn(VerifierActor.create(source, "cpu"), "verifier", models);
    Duration t = Duration.ofSeconds(60);
    workers = new TtsRunner.Workers(new WorkerGroup<>(kit.system(), SamplerActor.KEY, t),
        new WorkerGroup<>(kit.system(), VerifierActor.KEY, t), source);
  }

  @AfterAll
  static void tearDown() {
    kit.shutdownTestKit();
  }

  static TtsSession.Request request() {
    return new TtsSession.Request(policy.toString(), "oracle", "shapes",
        new TaskId("shapes", Split.HELDOUT, 7, 2).toString(), null, null, "truncate", 4, 11L,
        SamplingParams.sample(1f, 1f, 24));
  }

  static TtsSession.Status await(ActorRef<TtsSession.Command> s) {
    TestProbe<TtsSession.Status> probe = kit.createTestProbe();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      s.tell(new TtsSession.Get(probe.getRef()));
      TtsSession.Status st = probe.receiveMessage(Duration.ofSeconds(30));
      if (!st.state().equals("running")) {
        return st;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("session still running");
  }

  @Test
  void aSessionRecoveredMidLoopReplaysItsCallsAndEndsAsAnUninterruptedOne() throws Exception {
    ActorRef<TtsSession.Command> a = kit.spawn(TtsSession.create("a", workers));
    TestProbe<TtsSession.Status> probe = kit.createTestProbe();
    a.tell(new TtsSession.Start(request(), probe.getRef()));
    assertEquals("running", probe.receiveMessage().state());
    TtsSession.Status done = await(a);
    assertEquals("done", done.state(), done.error());
    assertTrue(done.calls() >= 2, "a policy call and a verifier call at least: " + done.calls());
    a.tell(new TtsSession.Start(request(), probe.getRef()));
    assertEquals("done", probe.receiveMessage().state(), "a repeated start answers with the session as it is");

    // The same request, crashed after its first call was journaled.
    List<Object> events = journal.persistedInStorage("tts|a");
    journal.persistForRecovery("tts|b", List.of(events.get(0), events.get(1)));
    ActorRef<TtsSession.Command> b = kit.spawn(TtsSession.create("b", workers));
    TtsSession.Status resumed = await(b);
    assertEquals("done", resumed.state(), resumed.error());
    ObjectMapper json = new ObjectMapper();
    assertEquals(json.writeValueAsString(done.result()), json.writeValueAsString(resumed.result()));
    assertEquals(events.size(), journal.persistedInStorage("tts|b").size(), "no call made twice, none lost");
  }

  @Test
  void aJournalThatFailsACallRestartsTheSessionWhichEndsAsAnUninterruptedOne() throws Exception {
    ActorRef<TtsSession.Command> clean = kit.spawn(TtsSession.create("clean", workers));
    TestProbe<TtsSession.Status> probe = kit.createTestProbe();
    clean.tell(new TtsSession.Start(request(), probe.getRef()));
    probe.receiveMessage();
    TtsSession.Status expected = await(clean);
    assertEquals("done", expected.state(), expected.error());

    ActorRef<TtsSession.Command> failing = kit.spawn(TtsSession.create("failing", workers));
    failing.tell(new TtsSession.Start(request(), probe.getRef()));
    assertEquals("running", probe.receiveMessage().state());
    // The first journaled call fails: the session restarts and makes that call again.
    journal.failNextNPersisted("tts|failing", 1);
    TtsSession.Status done = await(failing);
    assertEquals("done", done.state(), done.error());
    ObjectMapper json = new ObjectMapper();
    assertEquals(json.writeValueAsString(expected.result()), json.writeValueAsString(done.result()));
    assertEquals(journal.persistedInStorage("tts|clean").size(), journal.persistedInStorage("tts|failing").size(),
        "each call journaled once");
  }

  @Test
  void aWatcherSeesEveryRoundOnceWhileTheSessionRunsAndTheEndHasThemAll() throws Exception {
    ActorRef<TtsSession.Command> s = kit.spawn(TtsSession.create("watched", workers));
    TestProbe<TtsSession.Status> started = kit.createTestProbe();
    // A task and seed on which truncate runs all four rounds, the oracle flagging the first three.
    TtsSession.Request several = new TtsSession.Request(policy.toString(), "oracle", "shapes",
        new TaskId("shapes", Split.HELDOUT, 0, 2).toString(), null, null, "truncate", 4, 5L,
        SamplingParams.sample(1f, 1f, 24));
    s.tell(new TtsSession.Start(several, started.getRef()));
    assertEquals("running", started.receiveMessage().state());
    TestProbe<TtsSession.Progress> probe = kit.createTestProbe();
    List<dev.perceval.tts.Round> seen = new java.util.ArrayList<>();
    TtsSession.Progress p;
    for (s.tell(new TtsSession.WatchRounds(0, probe.getRef()));
        (p = probe.receiveMessage(Duration.ofSeconds(60))) instanceof TtsSession.Rounds r;
        s.tell(new TtsSession.WatchRounds(seen.size(), probe.getRef()))) {
      assertEquals(seen.size(), r.from(), "each answer starts where the last one ended");
      assertTrue(!r.rounds().isEmpty(), "a watcher is answered only with news");
      seen.addAll(r.rounds());
    }
    TtsSession.Status end = ((TtsSession.Ended) p).status();
    assertEquals("done", end.state(), end.error());
    List<dev.perceval.tts.Round> all = end.result().rounds();
    ObjectMapper json = new ObjectMapper();
    assertEquals(json.writeValueAsString(all.subList(0, seen.size())), json.writeValueAsString(seen),
        "the rounds seen while running are the result's first rounds");
    // Truncate on the oracle's flags: every round but the last is verified before the next is
    // generated, so a watcher hears it while the session still runs.
    System.out.println("watched " + seen.size() + " of " + all.size() + " rounds while the session ran");
    assertTrue(all.size() >= 2, "several rounds: " + all.size());
    assertTrue(seen.size() >= all.size() - 1, seen.size() + " of " + all.size() + " rounds seen while running");

    s.tell(new TtsSession.WatchRounds(0, probe.getRef()));
    assertEquals(json.writeValueAsString(end), json.writeValueAsString(((TtsSession.Ended) probe.receiveMessage())
        .status()), "an ended session answers with its status at once");
    ActorRef<TtsSession.Command> nobody = kit.spawn(TtsSession.create("never-started", workers));
    nobody.tell(new TtsSession.WatchRounds(0, probe.getRef()));
    assertEquals("none", ((TtsSession.Ended) probe.receiveMessage()).status().state());
  }

  @Test
  void anUnknownSessionSaysNone() {
    ActorRef<TtsSession.Command> s = kit.spawn(TtsSession.create("nobody", workers));
    TestProbe<TtsSession.Status> probe = kit.createTestProbe();
    s.tell(new TtsSession.Get(probe.getRef()));
    assertEquals("none", probe.receiveMessage().state());
  }
}
