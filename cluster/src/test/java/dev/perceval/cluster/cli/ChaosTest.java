package dev.perceval.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.perceval.cluster.ClusterFixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * `perceval chaos` scenarios with real node JVMs killed by SIGKILL: each campaign completes,
 * journals each of its 12 steps once and ends with the weights, eval.csv and metrics.csv of an
 * uninterrupted run. The rest of the scenarios run with `./perceval chaos` (docs/architecture.md).
 */
class ChaosTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"sampler-replaced", "learner", "coordinator", "all-nodes"})
  void aCampaignOutlivesTheKilledNode(String scenario) throws Exception {
    // Under target/, not a temporary directory: a failed scenario's node logs stay to be read.
    Chaos.Result r = new Chaos(Path.of("target", "chaos"), ClusterFixtures.postgresUp()).run(scenario);
    String table = String.join("\n", Chaos.table(List.of(r)));
    System.out.println(table);
    assertTrue(r.completed(), table);
    assertEquals(Chaos.STEPS, r.stepsJournaled(), "each step journaled once\n" + table);
    assertTrue(r.sameWeights(), "the weights, eval.csv and metrics.csv of an uninterrupted run\n" + table);
  }

  @Test
  void anUnknownScenarioIsNamedWithTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Chaos(dir, ClusterFixtures.ADMIN_URL).run("meteor"));
    assertTrue(e.getMessage().contains("'meteor'") && e.getMessage().contains("sampler-of-two"), e.getMessage());
  }
}
