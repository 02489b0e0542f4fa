package dev.perceval.cluster.cli;

import static dev.perceval.cluster.ClusterFixtures.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.cluster.ClusterFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `bench all` at toy sizes writes every figure, its goal and the raw results the figures come from. */
class BenchAllTest {
  @Test
  void theJsonHoldsEveryFigureWithItsGoalAndTheRawResults(@TempDir Path dir) throws Exception {
    Path policy = ClusterFixtures.tinyPolicy(dir.resolve("policy"));
    Path json = dir.resolve("bench.json");
    cli("bench", "all", "--json", json.toString(), "--out", dir.resolve("runs").toString(),
        "--policy", policy.toString(), "--verifier", "oracle", "--steps", "2", "--setups", "in-process,one-node",
        "--d-model", "32", "--small-d-model", "16", "--batch", "4", "--group-size", "2", "--decode-batch", "8", "--new-tokens", "8",
        "--repeats", "1", "--gemm", "64",
        "--set", "world.name=shapes", "--set", "world.image-size=16", "--set", "model.patch=4",
        "--set", "model.layers=1", "--set", "model.heads=2", "--set", "prm.model.patch=4",
        "--set", "prm.model.d-model=32", "--set", "prm.model.layers=1", "--set", "prm.model.heads=2");

    JsonNode r = new ObjectMapper().readTree(json.toFile());
    List<String> keys = new ArrayList<>();
    r.path("figures").forEach(f -> keys.add(f.path("key").asText()));
    assertEquals(List.of("sampling.cache_vs_no_cache", "sampling.cached_tokens_per_s",
        "sampling.decode_share_of_peak", "learner.d32.share_of_peak", "learner.d16.share_of_peak",
        "verify.batch_vs_single", "verify_grouped.batch_vs_single", "cluster.one_node_vs_in_process", "cluster.one_node_sync_share",
        "cluster.in_process_sync_share"), keys);
    for (JsonNode f : r.path("figures")) {
      assertTrue(f.path("value").isNumber() && f.path("value").asDouble() > 0, f.toString());
      if (f.path("goal").isNumber()) {
        assertTrue(f.path("met").isBoolean() && f.path("atMost").isBoolean(), f.toString());
      } else {
        assertTrue(f.path("met").isNull(), f.toString());
      }
    }
    assertEquals(List.of("sampling", "decode", "learner_d32", "learner_d16", "verify", "verify_grouped", "cluster"),
        iterate(r.path("raw")));
    assertEquals(List.of("in-process", "one-node"), iterate(r.path("raw").path("cluster")));
    JsonNode timings = r.path("raw").path("cluster").path("one-node").path("timings");
    for (String phase : List.of("stepS", "genS", "verifyS", "advS", "updateS", "syncS", "evalAccuracy")) {
      assertTrue(timings.path(phase).isNumber(), phase + " in " + timings);
    }
    JsonNode decode = r.path("raw").path("decode");
    assertTrue(decode.path("decodeFlops").asDouble() > 0 && decode.path("fullTokensPerSecond").isMissingNode(),
        "the large-batch decode is timed with the cache only: " + decode);
    assertTrue(r.path("machine").path("cores").asInt() >= 1 && r.path("machine").path("seconds").asDouble() > 0);
  }

  private static List<String> iterate(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
