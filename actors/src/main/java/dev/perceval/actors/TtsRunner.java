package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.sampling.Generation;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import dev.perceval.prm.Verifier;
import dev.perceval.tts.Strategies;
import dev.perceval.tts.TtsPolicy;
import dev.perceval.tts.TtsResult;
import dev.perceval.tts.TtsStrategy;
import java.time.Duration;
import java.util.List;

/**
 * Runs one session's strategy on its own thread. Policy and verifier calls are served from the
 * journaled tape while it lasts, then go to sampler and verifier actors, and each live result is
 * journaled by the session before the strategy continues.
 */
public final class TtsRunner {
  /** Where live calls go. */
  public record Workers(WorkerGroup<SamplerActor.Command> samplers, WorkerGroup<VerifierActor.Command> verifiers,
      ModelSource source) {}

  private final ActorSystem<?> system;
  private final ActorRef<TtsSession.Command> session;
  private final Workers workers;
  private final TtsSession.Request request;
  private final List<TtsSession.Call> tape;
  private final Duration timeout;
  private final Thread thread;
  private volatile boolean stop;
  private int next;

  TtsRunner(ActorSystem<?> system, ActorRef<TtsSession.Command> session, Workers workers, TtsSession.Request request,
      List<TtsSession.Call> tape) {
    this.system = system;
    this.session = session;
    this.workers = workers;
    this.request = request;
    this.tape = tape;
    this.timeout = system.settings().config().getDuration("perceval.actors.shard-timeout");
    this.thread = new Thread(this::run, "tts-" + session.path().name());
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void stop() {
    stop = true;
  }

  private void run() {
    try {
      ModelCheckpoint.Header policy = workers.source().header(request.policy(), "policy");
      Tokenizer tok = policy.tokenizer();
      int maxText = policy.shape().maxText();
      int imageSize = policy.imageSize();
      World world = workers.source().world(request.world(), imageSize, List.of());
      Task task = request.taskId() != null ? world.task(TaskId.parse(request.taskId()))
          : new Task("user", world.name(), null, request.question(), null, null, List.of(),
              ImageBytes.pixels(request.image(), imageSize), imageSize);
      ModelSource.Models models = new ModelSource.Models("tts", request.policy(), request.verifier(),
          request.world(), List.of(), 64);
      byte[] image = ImageBytes.encode(task.image());
      int[] prompt = tok.prompt(task.question());
      TtsPolicy livePolicy = new TtsPolicy() {
        @Override
        public List<Generation> generate(List<Row> rows) {
          TtsSession.Call c = next();
          if (c == null) {
            SamplerActor.Continued r = workers.samplers().<List<Row>, SamplerActor.Continued>dispatch(List.of(rows), (shard, replyTo) ->
                new SamplerActor.Continue(models, WeightsSource.initial(), image, prompt,
                    shard.stream().map(Row::prefix).toList(), shard.stream().mapToLong(Row::seed).toArray(),
                    request.params(), replyTo)).get(0);
            c = record(new TtsSession.Call(r.generations(), null));
          }
          return c.generations();
        }

        @Override
        public int maxPrefix(Task t) {
          return TtsPolicy.maxPrefix(maxText, prompt.length);
        }
      };
      Verifier liveVerifier = (tasks, responses) -> {
        TtsSession.Call c = next();
        if (c == null) {
          VerifierActor.Checked r = workers.verifiers().<List<int[]>, VerifierActor.Checked>dispatch(List.of(responses), (shard, replyTo) ->
              new VerifierActor.Check(models, request.taskId(), request.taskId() == null ? image : null,
                  task.question(), shard, replyTo)).get(0);
          c = record(new TtsSession.Call(null, r.flagged()));
        }
        return c.flagged();
      };
      int[] made = {0};
      TtsStrategy.RoundListener toSession = (question, round) -> {
        if (!stop) {
          session.tell(new TtsSession.RoundMade(made[0]++, round));
        }
      };
      TtsResult result = Strategies.get(request.strategy()).run(List.of(task), request.k(), request.seed(),
          new TtsStrategy.Tools(livePolicy, liveVerifier, tok, toSession)).get(0);
      if (!stop) {
        session.tell(new TtsSession.Finish(result, null));
      }
    } catch (RuntimeException e) {
      if (!stop) {
        session.tell(new TtsSession.Finish(null, WorkerGroup.describe(e)));
      }
    }
  }

  /** The next journaled call, or null once the tape is exhausted (then the call is made live). */
  private TtsSession.Call next() {
    if (stop) {
      throw new IllegalStateException("session stopped");
    }
    return next < tape.size() ? tape.get(next++) : null;
  }

  private TtsSession.Call record(TtsSession.Call call) {
    try {
      AskPattern.<TtsSession.Command, TtsSession.Recorded>ask(session, r -> new TtsSession.Record(call, r), timeout,
          system.scheduler()).toCompletableFuture().get();
    } catch (Exception e) {
      throw new IllegalStateException("the session did not journal call " + next + ": " + WorkerGroup.describe(e), e);
    }
    next++;
    return call;
  }
}
