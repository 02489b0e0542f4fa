package dev.perceval.policy.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.policy.Rng;
import dev.perceval.policy.world.ClaimVerdict.ErrorType;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CorruptionTest {
  static java.util.stream.Stream<World> worlds() {
    return WorldTest.worlds();
  }

  /**
   * Every mistake a world makes is one its own checker names, and a claim the world can state:
   * a shapes claim never turns into a digit, nor a digit claim into a shape.
   */
  @ParameterizedTest
  @MethodSource("worlds")
  void mistakesAreTheWorldsOwnAndItsCheckerNamesThem(World world) {
    Set<ErrorType> made = EnumSet.noneOf(ErrorType.class);
    for (int i = 0; i < 100; i++) {
      List<Fact> facts = world.task(Split.TRAIN, 4, i).facts();
      Rng rng = new Rng(i);
      for (Fact fact : facts) {
        for (ErrorType type : world.errorTypes(fact)) {
          Optional<Fact> wrong = world.corrupt(fact, type, facts, rng);
          if (type == ErrorType.POSITION && facts.size() == world.grid().cells()) {
            assertTrue(wrong.isEmpty(), "no free cell to move to");
            continue;
          }
          assertEquals(ClaimVerdict.wrong(type), world.check(wrong.orElseThrow(), facts), type + " of " + fact);
          assertEquals(wrong, world.parseClaim(WorldTest.words(world.claimText(wrong.get()))));
          made.add(type);
        }
      }
    }
    assertEquals(Set.copyOf(world.errorTypes(world.task(Split.TRAIN, 4, 0).facts().get(0))), made);
  }

  @ParameterizedTest
  @MethodSource("worlds")
  void aMistakeTheWorldDoesNotListIsNotMade(World world) {
    Fact fact = world.task(Split.TRAIN, 4, 0).facts().get(0);
    for (ErrorType type : ErrorType.values()) {
      if (!world.errorTypes(fact).contains(type)) {
        assertEquals(Optional.empty(), world.corrupt(fact, type, List.of(fact), new Rng(1)), type.toString());
      }
    }
  }
}
