package dev.perceval.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WorkerGroupTest {
  static ActorTestKit kit;

  @BeforeAll
  static void setUp() {
    kit = ActorTestKit.create();
  }

  @AfterAll
  static void tearDown() {
    kit.shutdownTestKit();
  }

  record Square(int x, ActorRef<Squared> replyTo) {}

  record Squared(int value, String error) implements WorkerGroup.Reply {}

  /** Squares numbers; a "silent" worker never answers, an "angry" one answers with an error. */
  static Behavior<Square> worker(ServiceKey<Square> key, String mode) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(key, ctx.getSelf()));
      return Behaviors.receive(Square.class).onMessage(Square.class, m -> {
        if (mode.equals("angry")) {
          m.replyTo().tell(new Squared(0, "cannot square " + m.x()));
        } else if (!mode.equals("silent")) {
          m.replyTo().tell(new Squared(m.x() * m.x(), null));
        }
        return Behaviors.same();
      }).build();
    });
  }

  private static <W> void awaitWorkers(WorkerGroup<W> g, int n) throws InterruptedException {
    for (int i = 0; i < 100 && g.workers().size() != n; i++) {
      Thread.sleep(20);
    }
    assertEquals(n, g.workers().size());
  }

  @Test
  void aShardWhoseWorkerDoesNotAnswerGoesToAnotherAndOrderIsKept() throws Exception {
    ServiceKey<Square> key = ServiceKey.create(Square.class, "squares-redispatch");
    kit.spawn(worker(key, "ok"), "good");
    kit.spawn(worker(key, "silent"), "silent");
    WorkerGroup<Square> g = new WorkerGroup<>(kit.system(), key, Duration.ofMillis(300));
    awaitWorkers(g, 2);
    List<Squared> out = g.dispatch(List.of(1, 2, 3, 4, 5), Square::new);
    assertEquals(List.of(1, 4, 9, 16, 25), out.stream().map(Squared::value).toList());
    assertTrue(g.redispatched() >= 2, "shards of the silent worker must be re-dispatched: " + g.redispatched());
  }

  @Test
  void aStoppedWorkerLeavesTheGroup() throws Exception {
    ServiceKey<Square> key = ServiceKey.create(Square.class, "squares-stop");
    ActorRef<Square> a = kit.spawn(worker(key, "ok"), "a");
    kit.spawn(worker(key, "ok"), "b");
    WorkerGroup<Square> g = new WorkerGroup<>(kit.system(), key, Duration.ofSeconds(5));
    awaitWorkers(g, 2);
    kit.stop(a);
    awaitWorkers(g, 1);
    assertEquals(List.of(49), g.dispatch(List.of(7), Square::new).stream().map(Squared::value).toList());
  }

  @Test
  void withNoWorkerTheDispatchWaitsAndSaysSo() throws Exception {
    ServiceKey<Square> key = ServiceKey.create(Square.class, "squares-late");
    WorkerGroup<Square> g = new WorkerGroup<>(kit.system(), key, Duration.ofSeconds(5));
    CompletableFuture<List<Squared>> pending = CompletableFuture.supplyAsync(() -> g.dispatch(List.of(3), Square::new));
    Thread.sleep(300);
    assertTrue(g.status().startsWith("waiting for a squares-late worker"), g.status());
    kit.spawn(worker(key, "ok"), "late");
    assertEquals(9, pending.get(10, TimeUnit.SECONDS).get(0).value());
  }

  @Test
  void aShardWhoseWorkerLeavesGoesToAnotherAtOnceNotAfterTheTimeout() throws Exception {
    ServiceKey<Square> key = ServiceKey.create(Square.class, "squares-leave");
    kit.spawn(worker(key, "ok"), "stays");
    ActorRef<Square> leaving = kit.spawn(worker(key, "silent"), "leaves");
    WorkerGroup<Square> g = new WorkerGroup<>(kit.system(), key, Duration.ofSeconds(60));
    awaitWorkers(g, 2);
    long t0 = System.nanoTime();
    CompletableFuture<List<Squared>> pending = CompletableFuture.supplyAsync(() -> g.dispatch(List.of(1, 2, 3, 4),
        Square::new));
    Thread.sleep(300);
    kit.stop(leaving);
    assertEquals(List.of(1, 4, 9, 16), pending.get(10, TimeUnit.SECONDS).stream().map(Squared::value).toList());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "well before the 60 s ask timeout");
    assertTrue(g.redispatched() >= 2, "the leaver's shards were sent again: " + g.redispatched());
  }

  @Test
  void aDispatchIsGivenUpOnOnceWhatItsWorkersDependOnIsGone() throws Exception {
    ServiceKey<Square> key = ServiceKey.create(Square.class, "squares-abandoned");
    kit.spawn(worker(key, "silent"), "waiting-on-a-dead-learner");
    WorkerGroup<Square> g = new WorkerGroup<>(kit.system(), key, Duration.ofSeconds(60));
    awaitWorkers(g, 1);
    java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
    CompletableFuture<List<Squared>> pending = CompletableFuture.supplyAsync(
        () -> g.<Integer, Squared>dispatch(List.of(3), (n, replyTo) -> new Square(n, replyTo), gone::get));
    Thread.sleep(300);
    assertFalse(pending.isDone(), "a silent worker is waited for while nothing it needs is gone");
    gone.set(true);
    java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> pending.get(5, TimeUnit.SECONDS));
    assertInstanceOf(WorkerGroup.WorkerLost.class, e.getCause());
  }

  @Test
  void aBroadcastThatNobodyAnsweredWaitsForAReplacementWorker() throws Exception {
    ServiceKey<Square> key = ServiceKey.create(Square.class, "squares-replaced");
    ActorRef<Square> dying = kit.spawn(worker(key, "silent"), "dying");
    WorkerGroup<Square> g = new WorkerGroup<>(kit.system(), key, Duration.ofSeconds(60));
    awaitWorkers(g, 1);
    CompletableFuture<List<Squared>> pending = CompletableFuture.supplyAsync(
        () -> g.<Squared>broadcast(replyTo -> new Square(6, replyTo), () -> false));
    Thread.sleep(300);
    kit.stop(dying);
    Thread.sleep(300);
    assertTrue(g.status().startsWith("waiting for a squares-replaced worker"), g.status());
    kit.spawn(worker(key, "ok"), "replacement");
    assertEquals(List.of(36), pending.get(10, TimeUnit.SECONDS).stream().map(Squared::value).toList());
  }

  @Test
  void anErrorReplyFailsTheDispatchInsteadOfRetrying() throws Exception {
    ServiceKey<Square> key = ServiceKey.create(Square.class, "squares-angry");
    kit.spawn(worker(key, "angry"), "angry");
    WorkerGroup<Square> g = new WorkerGroup<>(kit.system(), key, Duration.ofSeconds(5));
    awaitWorkers(g, 1);
    WorkerGroup.WorkerException e = assertThrows(WorkerGroup.WorkerException.class,
        () -> g.dispatch(List.of(2), Square::new));
    assertEquals("cannot square 2", e.getMessage());
  }
}
