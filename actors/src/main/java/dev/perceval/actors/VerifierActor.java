package dev.perceval.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import dev.perceval.policy.grpo.Rollout;
import dev.perceval.policy.grpo.TokenAdvantages;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.TaskId;
import dev.perceval.policy.world.World;
import dev.perceval.prm.FlaggedClaim;
import dev.perceval.prm.LocalVerifierGroup;
import dev.perceval.prm.Verifiers;
import java.util.List;

/**
 * A Perceval verifier pinned to one device. {@link Verify} returns, per rollout, the token spans
 * of the claims that contradict the image: the token-penalty messages the advantages are built
 * from. The models name a verifier checkpoint, or the scene-truth oracle ({@link Verifiers}).
 */
public final class VerifierActor {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "perceval-verifier");

  public interface Command extends CborSerializable {}

  public record Verify(ModelSource.Models models, List<Rollout> rollouts, ActorRef<Verified> replyTo)
      implements Command {}

  public record Verified(List<List<TokenAdvantages.Span>> spans, String verifier, String error)
      implements WorkerGroup.Reply {}

  /**
   * Flag the claims of responses to one question (test-time scaling). The question is a world
   * task when {@code taskId} is set, else the given image (float32 bytes) and question.
   */
  public record Check(ModelSource.Models models, String taskId, byte[] image, String question,
      List<int[]> responses, ActorRef<Checked> replyTo) implements Command {}

  public record Checked(List<List<FlaggedClaim>> flagged, String verifier, String error) implements WorkerGroup.Reply {}

  public static Behavior<Command> create(ModelSource source, String device) {
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
      return new VerifierActor(source, ctx.getSelf().path().name() + "@" + device).behavior();
    });
  }

  private final ModelSource source;
  private final String name;
  private ModelSource.Models models;
  private Verifiers.Opened opened;
  private LocalVerifierGroup verifier;
  private World world;

  private VerifierActor(ModelSource source, String name) {
    this.source = source;
    this.name = name;
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Verify.class, v -> {
          try {
            prepare(v.models());
            Torch.noGrad();
            v.replyTo().tell(new Verified(verifier.verify(v.rollouts()), name, null));
          } catch (RuntimeException e) {
            v.replyTo().tell(new Verified(List.of(), name, WorkerGroup.describe(e)));
          }
          return Behaviors.same();
        })
        .onMessage(Check.class, c -> {
          try {
            prepare(c.models());
            Torch.noGrad();
            Task task = c.taskId() != null ? world.task(TaskId.parse(c.taskId())) : userTask(c.image(), c.question());
            List<Task> tasks = java.util.Collections.nCopies(c.responses().size(), task);
            c.replyTo().tell(new Checked(opened.verifier().verify(tasks, c.responses()), name, null));
          } catch (RuntimeException e) {
            c.replyTo().tell(new Checked(List.of(), name, WorkerGroup.describe(e)));
          }
          return Behaviors.same();
        })
        .onSignal(PostStop.class, s -> {
          release();
          return Behaviors.same();
        })
        .build();
  }

  private void prepare(ModelSource.Models c) {
    if (c.equals(models)) {
      return;
    }
    release();
    if (c.verifier() == null || c.verifier().isBlank()) {
      throw new IllegalArgumentException(c.id() + " names no verifier");
    }
    ModelCheckpoint.Header policy = source.header(c.policy(), "policy");
    world = source.world(c.world(), policy.imageSize(), c.families());
    opened = source.verifier(c.verifier(), world, policy.tokenizer(), c.microBatch());
    verifier = new LocalVerifierGroup(opened.verifier(), world::task);
    models = c;
  }

  private Task userTask(byte[] image, String question) {
    int size = world.imageSize();
    return new Task("user", world.name(), null, question, null, null, List.of(), ImageBytes.pixels(image, size), size);
  }

  private void release() {
    if (opened != null) {
      opened.close();
      opened = null;
    }
    verifier = null;
    models = null;
  }
}
