package dev.perceval.prm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.Rng;
import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import dev.perceval.policy.world.Split;
import dev.perceval.policy.world.Task;
import dev.perceval.policy.world.World;
import dev.perceval.policy.world.WorldConfig;
import dev.perceval.policy.world.Worlds;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrmDataTest {
  static final PrmData.Mix MIX = new PrmData.Mix(0.5, 0.3, 0.2, 2);
  /**
   * What a claim moved to an empty cell also does: the object it named is left unstated
   * (omission), and a reflection on the old cell is no longer followed by its claim (evasion).
   */
  static final java.util.Set<ErrorType> CONSEQUENCES = java.util.Set.of(ErrorType.OMISSION, ErrorType.EVASION);

  /** A stand-in policy: gold responses with one claim corrupted, deterministic in the seed. */
  static PrmData.ResponseSource fakePolicy(World world, Tokenizer tok) {
    PrmData data = new PrmData(world, tok);
    return (tasks, seeds) -> {
      List<int[]> out = new ArrayList<>();
      for (int i = 0; i < tasks.size(); i++) {
        out.add(data.corrupted(tasks.get(i), new Rng(seeds[i]), 1).response());
      }
      return out;
    };
  }

  @Test
  void synthesisIsDeterministicAndLabelsMatchTheOracle() {
    for (String name : List.of("digits", "shapes")) {
      World world = Worlds.create(name, WorldConfig.defaults());
      Tokenizer tok = Tokenizer.of(world.vocabulary());
      PrmData data = new PrmData(world, tok);
      List<PrmExample> a = data.synthesize(Split.TRAIN, 3, 0, 200, MIX, fakePolicy(world, tok));
      List<PrmExample> b = data.synthesize(Split.TRAIN, 3, 0, 200, MIX, fakePolicy(world, tok));
      List<PrmExample> tail = data.synthesize(Split.TRAIN, 3, 150, 50, MIX, fakePolicy(world, tok));
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(a.get(i).response(), b.get(i).response());
        assertArrayEquals(a.get(i).labels(), b.get(i).labels());
        if (i >= 150) {
          assertArrayEquals(a.get(i).response(), tail.get(i - 150).response(), "example depends on its index only");
        }
      }
      int corrupted = 0;
      for (PrmExample e : a) {
        float flaggedTokens = 0;
        for (float l : e.labels()) {
          flaggedTokens += l;
        }
        int spanTokens = e.truth().stream().mapToInt(f -> f.tokenEnd() - f.tokenStart()).sum();
        assertEquals(spanTokens, flaggedTokens, 0.0);
        switch (e.source()) {
          case "correct" -> {
            assertTrue(e.truth().isEmpty(), e.truth().toString());
            assertConsistent(world, tok, e);
          }
          case "corrupted" -> {
            corrupted++;
            // One or two mistakes, and the reasoning built on them when an object went unstated.
            assertTrue(e.truth().size() >= 1 && e.truth().size() <= 3, e.truth().toString());
            assertConsistent(world, tok, e);
          }
          case "policy" -> assertEquals(1, e.truth().stream().filter(f -> !CONSEQUENCES.contains(f.errorType())).count());
          default -> throw new AssertionError(e.source());
        }
      }
      assertTrue(corrupted > 60 && corrupted < 140, "mix respected: " + corrupted);
    }
  }

  /** The error types the oracle finds in 200 made-up responses of a world with up to two mistakes each. */
  static java.util.Set<ErrorType> typesMade(String worldName, double evasionWeight) {
    World world = Worlds.create(worldName, WorldConfig.defaults());
    PrmData data = new PrmData(world, Tokenizer.of(world.vocabulary()));
    java.util.Set<ErrorType> types = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      data.corrupted(world.task(Split.TRAIN, 1, i), new Rng(i), 2, 1.0, evasionWeight).truth()
          .forEach(f -> types.add(f.errorType()));
    }
    return types;
  }

  @Test
  void everyErrorTypeIsProduced() {
    java.util.Set<ErrorType> shapes = typesMade("shapes", 0.0);
    assertTrue(shapes.containsAll(List.of(ErrorType.KIND, ErrorType.SIZE, ErrorType.COLOUR, ErrorType.POSITION)),
        shapes.toString());
    // With evasions drawn too, the digits' own mistakes and every evasion, each labelled.
    assertEquals(java.util.EnumSet.complementOf(java.util.EnumSet.of(ErrorType.KIND, ErrorType.SIZE)),
        typesMade("digits", 1.0));
  }

  /** PrmData makes the mistakes the world offers and no others. */
  @Test
  void corruptionsAreTheWorldsOwn() {
    World shapes = Worlds.create("shapes", WorldConfig.defaults());
    World sizeOnly = (World) Proxy.newProxyInstance(World.class.getClassLoader(), new Class<?>[] {World.class},
        (proxy, method, args) -> method.getName().equals("errorTypes") ? List.of(ErrorType.SIZE)
            : method.invoke(shapes, args));
    PrmData data = new PrmData(sizeOnly, Tokenizer.of(shapes.vocabulary()));
    java.util.Set<Object> types = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      data.corrupted(shapes.task(Split.TRAIN, 1, i), new Rng(i), 2).truth().forEach(f -> types.add(f.errorType()));
    }
    assertEquals(java.util.Set.of(ErrorType.SIZE), types);
  }

  @Test
  void policyShareWithoutPolicyIsAClearError() {
    World world = Worlds.create("digits", WorldConfig.defaults());
    PrmData data = new PrmData(world, Tokenizer.of(world.vocabulary()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> data.synthesize(Split.TRAIN, 1, 0, 10, MIX, null));
    assertTrue(e.getMessage().contains("no policy checkpoint"));
    assertFalse(data.synthesize(Split.TRAIN, 1, 0, 10, new PrmData.Mix(1, 0, 1, 1), null).isEmpty());
  }

  /**
   * A made-up response reasons over what it claims: with the claims read back in their order, the
   * world derives the same reasoning and answer (evasions aside, whose half claims it also reads).
   */
  static void assertConsistent(World world, Tokenizer tok, PrmExample e) {
    if (e.truth().stream().anyMatch(f -> PrmData.EVASIONS.contains(f.errorType()))) {
      return;
    }
    List<String> words = tok.words(e.response());
    List<dev.perceval.policy.world.Fact> read = Claims.claims(world, tok, e.response()).stream()
        .map(dev.perceval.policy.world.Segment::claim).toList();
    World.Reasoned expected = world.reason(e.task(), read).orElseThrow();
    assertEquals(expected.answer(), words.get(words.size() - 2), String.join(" ", words));
    assertTrue(String.join(" ", words).contains(" " + expected.reasoning() + " . </think>"), String.join(" ", words));
  }

  @Test
  void theTextGivesNoWrongClaimAway() {
    World world = Worlds.create("digits", WorldConfig.defaults());
    Tokenizer tok = Tokenizer.of(world.vocabulary());
    PrmData data = new PrmData(world, tok);
    int valueErrorsOnSums = 0;
    int cellOrder = 0;
    int n = 0;
    for (int i = 0; i < 400; i++) {
      Task t = world.task(Split.TRAIN, 4, i);
      PrmExample e = data.corrupted(t, new Rng(i), 1);
      List<String> words = tok.words(e.response());
      if (t.family().equals("sum") && e.truth().stream().anyMatch(f -> f.errorType() == ErrorType.VALUE)) {
        valueErrorsOnSums++;
        assertNotEquals(t.answer(), words.get(words.size() - 2), "the sum follows the misread digit: " + words);
      }
      List<Integer> cells = Claims.claims(world, tok, data.correct(t, new Rng(i)).response()).stream()
          .map(s -> world.grid().cell(s.claim())).toList();
      cellOrder += cells.equals(cells.stream().sorted().toList()) ? 1 : 0;
      n++;
    }
    assertTrue(valueErrorsOnSums > 10, "enough sums with a misread digit: " + valueErrorsOnSums);
    assertTrue(cellOrder < n * 0.6, "claims come in shuffled order, not the cells': " + cellOrder + " of " + n);
  }
}
