package dev.perceval.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import dev.perceval.policy.grpo.Learner;
import dev.perceval.policy.grpo.Rollout;
import dev.perceval.policy.grpo.TokenAdvantages;
import dev.perceval.policy.grpo.WeightsRef;
import dev.perceval.policy.sampling.SamplingParams;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.TaskId;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every message crosses nodes as Jackson CBOR, by its marker; none relies on Java serialization. */
class SerializationTest {
  static ActorTestKit kit;

  @BeforeAll
  static void setUp() {
    kit = ActorTestKit.create();
  }

  @AfterAll
  static void tearDown() {
    kit.shutdownTestKit();
  }

  /** Classes of the actors package (nested ones included), read from the compiled output. */
  static List<Class<?>> actorClasses() throws IOException, URISyntaxException, ClassNotFoundException {
    Path root = Path.of(CborSerializable.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path dir = root.resolve("dev/perceval/actors");
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String name = f.getFileName().toString().replace(".class", "");
        if (!name.matches(".*\\$\\d+.*") && !name.contains("$$")) {
          out.add(Class.forName("dev.perceval.actors." + name.replace('/', '.')));
        }
      }
    }
    return out;
  }

  @Test
  void everyMessageAndEventCarriesTheMarker() throws Exception {
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (Class<?> c : actorClasses()) {
      boolean message = c.isRecord() && (c.getEnclosingClass() != null
          && (c.getEnclosingClass().getSimpleName().endsWith("Actor") || c.getEnclosingClass() == Coordinator.class
              || c.getEnclosingClass() == CampaignEvents.class
              || c.getEnclosingClass() == TtsSession.class));
      if (message) {
        checked++;
        if (!CborSerializable.class.isAssignableFrom(c)) {
          missing.add(c.getName());
        }
      }
    }
    assertTrue(checked >= 25, "found only " + checked + " message classes");
    assertEquals(List.of(), missing, "message classes without the CborSerializable marker");
  }

  private static Object roundTrip(Object message) {
    Serialization s = SerializationExtension.get(kit.system().classicSystem());
    byte[] bytes = s.serialize(message).get();
    var serializer = s.findSerializerFor(message);
    assertEquals("akka.serialization.jackson.JacksonCborSerializer", serializer.getClass().getName(),
        message.getClass().getName());
    Object back = s.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message)).get();
    assertArrayEquals(bytes, s.serialize(back).get(), "a second round trip must give the same bytes");
    return back;
  }

  @Test
  void messagesSurviveARoundTrip() {
    TestProbe<Object> probe = kit.createTestProbe();
    TaskId id = new TaskId("digits", Split.HELDOUT, 7, 3);
    ModelSource.Models models = new ModelSource.Models("c1", "runs/p", "oracle", "digits", List.of("sum"), 32);
    WeightsSource w = new WeightsSource(4, "ab12", 1234, probe.getRef().unsafeUpcast());
    Rollout r = new Rollout(id, new int[] {2, 5, 7}, new float[] {-0.1f, -2f, -0.5f}, true, 4);
    List<Object> messages = List.of(
        new SamplerActor.Sample(models, w, List.of(id), 8, 99L, SamplingParams.sample(1f, 0.9f, 64),
            probe.getRef().unsafeUpcast()),
        new SamplerActor.Sampled(List.of(r), 4, "sampler-cpu", null),
        new SamplerActor.Continue(models, w, ImageBytes.encode(new float[] {0.25f, 1f}), new int[] {1, 4},
            List.of(new int[] {7}, new int[0]), new long[] {5L, 6L}, SamplingParams.greedy(8), probe.getRef().unsafeUpcast()),
        new SamplerActor.Continued(List.of(new dev.perceval.policy.sampling.Generation(new int[] {3}, new float[] {-0.2f},
            true)), 0, "s", null),
        new SamplerActor.LoadWeights(models, w, probe.getRef().unsafeUpcast()),
        new SamplerActor.WeightsLoaded(4, "s", "boom"),
        new VerifierActor.Verify(models, List.of(r), probe.getRef().unsafeUpcast()),
        new VerifierActor.Verified(List.of(List.of(new TokenAdvantages.Span(0, 2))), "v", null),
        new LearnerActor.Start("steps = 2", null, "session", probe.getRef().unsafeUpcast()),
        new LearnerActor.Train("session", 3, List.of(new Learner.Sample(id, new int[] {1, 2}, new float[] {0.5f, -1f})),
            probe.getRef().unsafeUpcast()),
        new LearnerActor.Trained(4, Map.of("actor/kl_loss", 0.01), null),
        new LearnerActor.Published(new WeightsRef(4, "ab", 10), null),
        new LearnerActor.FetchWeights(4, 0, 10, probe.getRef().unsafeUpcast()),
        new LearnerActor.WeightsChunk(4, 0, new byte[] {1, 2, 3}, null),
        new LearnerActor.PushWeights(4, new AeronBulk.Endpoint("127.0.0.1|/dev/shm/aeron", "aeron:udp?endpoint=127.0.0.1:40123",
            1 << 21), probe.getRef().unsafeUpcast()),
        new LearnerActor.WeightsPushed(4, null),
        new Coordinator.Submit("steps = 2", probe.getRef().unsafeUpcast()),
        new Coordinator.StepDone("c1", 2, Map.of("acc", 0.5), "runs/x/step-2", probe.getRef().unsafeUpcast()),
        new Coordinator.StatusReply(new CampaignState.Campaign("c1", "{}", CampaignState.Status.RUNNING, 2,
            Map.of("acc", 0.5), "ck", null), "step 3 of 4"),
        new VerifierActor.Check(models, null, ImageBytes.encode(new float[] {0.5f}), "what ?", List.of(new int[] {4}),
            probe.getRef().unsafeUpcast()),
        new VerifierActor.Checked(List.of(List.of(new dev.perceval.prm.FlaggedClaim("red 3 at top left", 1, 5, 0.8,
            null))), "v", null),
        new TtsSession.Start(new TtsSession.Request("p", "oracle", "digits", id.toString(), null, null, "truncate", 4,
            7L, SamplingParams.sample(1f, 1f, 32)), probe.getRef().unsafeUpcast()),
        new TtsSession.Called(new TtsSession.Call(null, List.of(List.of()))),
        new TtsSession.Answered(new dev.perceval.tts.TtsResult("majority", 2, List.of(new dev.perceval.tts.Round(
            new int[] {1, 2}, 0, List.of(), -1, null, "3")), 0, "3", new dev.perceval.tts.Budget(2, 1, 0))),
        new TtsSession.RoundMade(1, new dev.perceval.tts.Round(new int[] {4, 5}, 1, List.of(
            new dev.perceval.prm.FlaggedClaim("red 3 at top left", 1, 2, 0.7, null)), 1, "wait .", null)),
        new TtsSession.WatchRounds(2, probe.getRef().unsafeUpcast()),
        new TtsSession.Rounds(2, List.of(new dev.perceval.tts.Round(new int[] {6}, 0, List.of(), -1, null, "6"))),
        new TtsSession.Ended(new TtsSession.Status("tts-1", "failed", null, 3, null, "sampler gone")),
        new CampaignEvents.Submitted("c1", "{\"steps\": 2}", 1L),
        new CampaignEvents.StepCompleted("c1", 2, Map.of("acc", 0.5), "ck"),
        new CampaignEvents.Failed("c1", "learner gone"),
        CampaignState.empty().apply(new CampaignEvents.Submitted("c1", "{}", 1L)));
    for (Object m : messages) {
      Object back = roundTrip(m);
      // Byte-identical re-serialization (checked in roundTrip) covers nested arrays, which
      // record equality does not.
      assertEquals(m.getClass(), back.getClass());
    }
    assertTrue(Modifier.isPublic(CborSerializable.class.getModifiers()));
  }
}
