package dev.perceval.policy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.perceval.policy.model.TinyVlm;
import dev.perceval.policy.model.VlmConfig;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadingTest {
  static final World DIGITS = Worlds.create("digits", WorldConfig.defaults());

  static List<String> words(String text) {
    return Arrays.asList(text.split(" "));
  }

  @Test
  void claimsReadAnObjectOnlyWhenRightAndStated() {
    List<Task> tasks = Evaluator.tasks(DIGITS, Split.HELDOUT, 3, 40);
    List<List<String>> gold = tasks.stream().map(t -> words(t.goldResponse())).toList();
    Reading.Result all = Reading.fromClaims(DIGITS, tasks, gold);
    assertEquals(tasks.stream().mapToInt(t -> t.facts().size()).sum(), all.objects());
    assertEquals(1.0, all.accuracy());

    // Drop the first claim of each response and misread the second: two objects of each scene lost.
    List<List<String>> worse = new ArrayList<>();
    for (Task t : tasks) {
      var first = t.facts().get(0);
      var second = t.facts().get(1);
      String misread = DIGITS.claimText(second.withValue(second.value().equals("1") ? "2" : "1"));
      worse.add(words(t.goldResponse().replace(DIGITS.claimText(first) + " . ", "")
          .replace(DIGITS.claimText(second), misread)));
    }
    assertEquals(all.read() - 2 * tasks.size(), Reading.fromClaims(DIGITS, tasks, worse).read());
  }

  @Test
  void theHeadIsAskedAboutEveryObject() {
    Tokenizer tok = Tokenizer.of(DIGITS.vocabulary());
    VlmConfig cfg = new VlmConfig(48, 8, 0, 32, 1, 2, tok.size(), 48, VlmConfig.Mode.POLICY);
    List<Task> tasks = Evaluator.tasks(DIGITS, Split.HELDOUT, 3, 10);
    try (TinyVlm model = new TinyVlm(cfg, Device.cpu(), 1)) {
      Reading.Result r = Reading.fromHead(model, tok, DIGITS, tasks, 4);
      assertEquals(tasks.stream().mapToInt(t -> t.facts().size()).sum(), r.objects());
      assertTrue(r.accuracy() < 0.5, "an untrained head does not read: " + r.accuracy());
    }
  }
}
