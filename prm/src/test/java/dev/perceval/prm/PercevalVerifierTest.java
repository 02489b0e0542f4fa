package dev.perceval.prm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.Torch;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.train.AdamW;
import dev.perceval.policy.train.Schedule;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PercevalVerifierTest {
  static World world;
  static Tokenizer tok;
  static TinyVlm model;
  static List<PrmExample> examples;

  @BeforeAll
  static void setUp() {
    Torch.init();
    world = Worlds.create("digits", WorldConfig.defaults().withImageSize(16));
    tok = Tokenizer.of(world.vocabulary());
    model = new TinyVlm(new VlmConfig(16, 4, 4, 32, 2, 2, tok.size(), 64, VlmConfig.Mode.VERIFIER), Device.cpu(), 5);
    examples = new PrmData(world, tok).synthesize(Split.TRAIN, 2, 0, 16, new PrmData.Mix(0.7, 0, 0.3, 2), null);
  }

  @AfterAll
  static void tearDown() {
    model.close();
  }

  @Test
  void aFewStepsReduceTheLoss() {
    try (AdamW opt = new AdamW(model, AdamW.Hyper.defaults())) {
      PrmTrainer trainer = new PrmTrainer(model, opt, new Schedule(1e-2f, 2, 40, 0.1f), tok, world,
          PrmTrainer.Loss.CLAIM, 2f, 1f);
      double before = trainer.evaluateLoss(examples);
      for (int s = 0; s < 40; s++) {
        trainer.step(s, examples);
      }
      double after = trainer.evaluateLoss(examples);
      assertTrue(after < before / 2, "loss " + before + " -> " + after);
    }
  }

  @Test
  void weightedBceMatchesAHandComputation() {
    try (NDManager m = model.newSubManager()) {
      float[] x = {2f, -1f, 0.5f, 30f};
      float[] y = {1f, 0f, 1f, 0f};
      float[] mask = {1f, 1f, 1f, 0f};
      double w = 3;
      double expected = (w * Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1)) + w * Math.log1p(Math.exp(-0.5))) / 3;
      float got = PrmTrainer.weightedBce(m.create(x, new Shape(2, 2)), m.create(y, new Shape(2, 2)),
          m.create(mask, new Shape(2, 2)), (float) w).getFloat();
      assertEquals(expected, got, 1e-5);
    }
  }

  @Test
  void flagsFollowTheThresholdAndJudgedSpans() {
    PercevalVerifier always = new PercevalVerifier(model, tok, world, 0f, 8);
    PercevalVerifier never = new PercevalVerifier(model, tok, world, 1f, 8);
    PrmExample e = examples.get(0);
    List<FlaggedClaim> all = always.verify(List.of(e.task()), List.of(e.response())).get(0);
    assertEquals(Claims.judged(world, tok, e.response()).size(), all.size());
    assertTrue(never.verify(List.of(e.task()), List.of(e.response())).get(0).isEmpty());
  }

  @Test
  void judgingByReadingCatchesHalfClaimsAndEvasiveReflectionsWhateverItSees() {
    // The penalised policies' escapes: a claim without its colour, bare cell names, a reflection
    // where a claim should stand. The rules decide them; the image only decides claims and omissions.
    PercevalVerifier reading = new PercevalVerifier(model, tok, world, 0.5f, 8, PercevalVerifier.Judging.READING);
    Task t = examples.get(0).task();
    String r = "<think> blue 9 at middle left . 9 at bottom right . top right . wait , let me look again at top"
        + " center . blue 1 at bottom left . 9 + 1 + 9 = 19 . </think> <answer> 19 </answer>";
    List<String> flagged = reading.verify(List.of(t), List.of(tok.encode(r))).get(0).stream()
        .map(FlaggedClaim::text).toList();
    assertTrue(flagged.containsAll(List.of("9 at bottom right", "top right", "wait , let me look again at top center")),
        flagged.toString());
    assertEquals(reading.score(List.of(t), List.of(tok.encode(r))).get(0).size(), 6, "every segment is judged");
  }

  @Test
  void badInputIsAClearError() {
    PercevalVerifier v = new PercevalVerifier(model, tok, world, 0.5f, 8);
    Task t = examples.get(0).task();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> v.verify(List.of(t), List.of(new int[] {2, tok.size() + 7})));
    assertTrue(e.getMessage().contains("token id " + (tok.size() + 7) + " is outside the vocabulary"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> v.verify(List.of(t), List.of(new int[0])));
    assertTrue(e.getMessage().contains("is empty"), e.getMessage());
    Task big = Worlds.create("digits", WorldConfig.defaults()).task(Split.TRAIN, 1, 1);
    e = assertThrows(IllegalArgumentException.class, () -> v.verify(List.of(big), List.of(new int[] {2})));
    assertTrue(e.getMessage().contains("image is 48x48, the verifier expects 16x16"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new PercevalVerifier(
        new TinyVlm(new VlmConfig(16, 4, 0, 16, 1, 1, tok.size(), 64, VlmConfig.Mode.POLICY), Device.cpu(), 1),
        tok, world, 0.5f, 8));
    assertTrue(e.getMessage().contains("not a verifier"));
  }
}
