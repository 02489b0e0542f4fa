package dev.perceval.policy.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class WorldTest {
  static final WorldConfig CFG = WorldConfig.defaults();

  static Stream<World> worlds() {
    return Stream.of(Worlds.create("digits", CFG), Worlds.create("shapes", CFG));
  }

  static List<String> words(String text) {
    return Arrays.asList(text.split(" "));
  }

  @ParameterizedTest
  @MethodSource("worlds")
  void sameIdGivesSamePixelsAndText(World world) {
    TaskId id = new TaskId(world.name(), Split.HELDOUT, 7, 123);
    Task a = world.task(id);
    Task b = Worlds.create(world.name(), CFG).task(TaskId.parse(id.toString()));
    assertArrayEquals(a.image(), b.image());
    assertEquals(a.question(), b.question());
    assertEquals(a.goldResponse(), b.goldResponse());
    assertEquals(a.facts(), b.facts());
    Task other = world.task(Split.HELDOUT, 7, 124);
    assertFalse(Arrays.equals(a.image(), other.image()) && a.question().equals(other.question()));
    assertNotEquals(world.task(Split.TRAIN, 7, 123).id(), a.id());
  }

  @ParameterizedTest
  @MethodSource("worlds")
  void goldResponsesAreRightAndEveryClaimMapsToItsFact(World world) {
    Set<String> vocab = new HashSet<>(world.vocabulary());
    Set<String> families = new HashSet<>();
    int reflections = 0;
    for (int i = 0; i < 300; i++) {
      Task t = world.task(Split.TRAIN, 1, i);
      families.add(t.family());
      List<String> gold = words(t.goldResponse());
      assertEquals(1.0, Answers.reward(t, gold), t.goldResponse());
      for (String w : words(t.question() + " " + t.goldResponse())) {
        assertTrue(vocab.contains(w), "'" + w + "' missing from the vocabulary: " + t.question());
      }
      List<List<String>> all = Answers.thinkSegments(gold);
      for (int k = 0; k < all.size(); k++) {
        if (all.get(k).get(0).equals("wait")) {
          reflections++;
          List<String> r = all.get(k);
          assertTrue(world.parseClaim(r).isEmpty(), "a reflection is not a claim: " + r);
          List<String> next = all.get(k + 1);
          assertEquals(r.subList(r.size() - 3, r.size()), next.subList(next.size() - 3, next.size()),
              "a reflection names the cell of the claim after it: " + t.goldResponse());
        }
      }
      List<List<String>> segments = all.stream().filter(x -> !x.get(0).equals("wait")).toList();
      assertEquals(t.facts().size() + 1, segments.size());
      for (int k = 0; k < t.facts().size(); k++) {
        Optional<Fact> claim = world.parseClaim(segments.get(k));
        assertEquals(Optional.of(t.facts().get(k)), claim, "claim " + k + " of " + t.goldResponse());
        assertEquals(ClaimVerdict.CORRECT, world.check(claim.get(), t.facts()));
      }
      assertTrue(world.parseClaim(segments.get(segments.size() - 1)).isEmpty(), "reasoning is not a claim");
      assertEquals(3 * 48 * 48, t.image().length);
    }
    assertEquals(new HashSet<>(world.families()), families, "every family appears");
    assertTrue(reflections >= 15 && reflections <= 45, "about one gold response in ten reflects: " + reflections);
  }

  @Test
  void corruptedClaimsAreWrongWithTheRightType() {
    World digits = Worlds.create("digits", CFG);
    List<Fact> scene = List.of(new Fact("digit", "3", "red", null, 0, 0), new Fact("digit", "5", "blue", null, 1, 1));
    assertEquals(ClaimVerdict.CORRECT, digits.check(digits.parseClaim(words("red 3 at top left")).orElseThrow(), scene));
    assertEquals(ClaimVerdict.wrong(ClaimVerdict.ErrorType.VALUE),
        digits.check(digits.parseClaim(words("red 4 at top left")).orElseThrow(), scene));
    assertEquals(ClaimVerdict.wrong(ClaimVerdict.ErrorType.COLOUR),
        digits.check(digits.parseClaim(words("green 3 at top left")).orElseThrow(), scene));
    assertEquals(ClaimVerdict.wrong(ClaimVerdict.ErrorType.POSITION),
        digits.check(digits.parseClaim(words("red 3 at bottom right")).orElseThrow(), scene));
    World shapes = Worlds.create("shapes", CFG);
    List<Fact> s2 = List.of(new Fact("shape", "circle", "red", "large", 0, 0));
    assertEquals(ClaimVerdict.wrong(ClaimVerdict.ErrorType.KIND),
        shapes.check(shapes.parseClaim(words("large red square at top left")).orElseThrow(), s2));
    assertEquals(ClaimVerdict.wrong(ClaimVerdict.ErrorType.SIZE),
        shapes.check(shapes.parseClaim(words("small red circle at top left")).orElseThrow(), s2));
    assertTrue(digits.parseClaim(words("3 + 5 = 8")).isEmpty());
    assertTrue(digits.parseClaim(words("red 3 at top")).isEmpty());
    assertTrue(digits.parseClaim(words("red 12 at top left")).isEmpty());
  }

  @Test
  void heldOutAndTrainDigitInstancesAreDisjoint() {
    DigitsWorld digits = (DigitsWorld) Worlds.create("digits", CFG);
    for (int d = 0; d < 10; d++) {
      Set<Integer> train = new HashSet<>(digits.pool(d, Split.TRAIN));
      List<Integer> held = digits.pool(d, Split.HELDOUT);
      assertTrue(held.stream().noneMatch(train::contains), "class " + d);
      assertTrue(held.stream().allMatch(i -> i % 5 == 0));
      assertTrue(train.stream().allMatch(i -> i % 5 != 0));
      Set<Integer> all = new HashSet<>(train);
      all.addAll(held);
      assertEquals(train.size() + held.size(), all.size());
      assertEquals(all.stream().mapToInt(Integer::intValue).max().orElseThrow() + 1, all.size(), "covers the class");
    }
  }

  @Test
  void annotatedTracesDrawFromAFixedSubsetOfTheTrainPool() {
    DigitsWorld digits = (DigitsWorld) Worlds.create("digits", CFG);
    int sft = 0;
    int train = 0;
    for (int d = 0; d < 10; d++) {
      List<Integer> pool = digits.pool(d, Split.SFT);
      assertEquals(WorldConfig.DEFAULT_SFT_INSTANCES / 10, pool.size(), "class " + d);
      assertTrue(digits.pool(d, Split.TRAIN).containsAll(pool), "class " + d);
      assertTrue(pool.stream().noneMatch(digits.pool(d, Split.HELDOUT)::contains), "class " + d);
      sft += pool.size();
      train += digits.pool(d, Split.TRAIN).size();
    }
    assertEquals(1000, sft);
    assertTrue(train >= 7900, "RL prompts draw from the whole train pool: " + train);
    DigitsWorld all = (DigitsWorld) Worlds.create("digits", new WorldConfig(48, List.of(), 0, 0, CFG.cacheDir(), 0));
    assertEquals(all.pool(3, Split.TRAIN), all.pool(3, Split.SFT), "0 means the whole train pool");
    // Scenes of the sft split are their own draws, not the train split's.
    assertNotEquals(digits.task(Split.SFT, 1, 0).goldResponse() + digits.task(Split.SFT, 1, 1).goldResponse(),
        digits.task(Split.TRAIN, 1, 0).goldResponse() + digits.task(Split.TRAIN, 1, 1).goldResponse());
  }

  @Test
  void otherCanvasSizesWork() {
    for (int size : new int[] {32, 64, 50}) {
      Task t = Worlds.create("digits", CFG.withImageSize(size)).task(Split.TRAIN, 3, 0);
      assertEquals(3 * size * size, t.image().length);
      double ink = 0;
      for (float v : t.image()) {
        ink += v;
      }
      assertTrue(ink > 0, "something is drawn at size " + size);
    }
  }

  @Test
  void familiesCanBeRestricted() {
    World w = Worlds.create("digits", CFG.withFamilies(List.of("sum")));
    for (int i = 0; i < 20; i++) {
      assertEquals("sum", w.task(Split.TRAIN, 0, i).family());
    }
  }

  @Test
  void namesAreTheRegisteredWorlds() {
    assertEquals(List.of("digits", "shapes"), Worlds.names());
    assertEquals("shapes", Worlds.create(" Shapes ", CFG).name());
  }

  @Test
  void badNamesAreClearErrors() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Worlds.create("mnist", CFG));
    assertEquals("unknown world 'mnist' (known: digits, shapes)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Worlds.create("digits", CFG.withFamilies(List.of("product"))));
    assertEquals("unknown question family 'product' for world digits (known: sum, colour-sum, count-greater,"
        + " digit-at, largest)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Split.parse("test"));
    assertEquals("unknown split 'test' (expected sft, train or heldout)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TaskId.parse("digits:train:x:1"));
    assertTrue(e.getMessage().startsWith("malformed task id"));
  }
}
