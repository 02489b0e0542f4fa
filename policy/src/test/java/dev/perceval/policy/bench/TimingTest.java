package dev.perceval.policy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TimingTest {
  /** A clock that each pass moves on by the next scripted duration. */
  static final class ScriptedPasses {
    final List<Long> durations;
    long now;
    int passes;

    ScriptedPasses(List<Long> durations) {
      this.durations = durations;
    }

    void run() {
      now += durations.get(passes++);
    }
  }

  @Test
  void bestIsTheFastestTimedPassAndTheWarmUpIsNotTimed() {
    ScriptedPasses p = new ScriptedPasses(List.of(1L, 50L, 30L, 70L));
    assertEquals(30, Timing.best(3, p::run, () -> p.now), "the 1 ns warm-up does not count");
    assertEquals(4, p.passes, "one warm-up, then the repeats");
  }

  @Test
  void repeatsMustBePositive() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Timing.best(0, () -> {}));
    assertEquals("repeats must be at least 1, got 0", e.getMessage());
  }

  @Test
  void perSecondScalesByTheDuration() {
    assertEquals(32.0, Timing.perSecond(64, 2_000_000_000L), 1e-12);
    assertEquals(2e6, Timing.perSecond(2, 1_000L), 1e-6);
  }
}
