package dev.perceval.cluster.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * k8s/grafana-dashboard.json charts only series the nodes export, with the unit their names
 * carry, and the exported names follow Prometheus' rules.
 */
class GrafanaDashboardTest {
  private static final Pattern SERIES = Pattern.compile("\\b(perceval|jvm|process)_[a-z_]+\\b");
  private static final Pattern TYPE = Pattern.compile("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\\w+)$", Pattern.MULTILINE);

  /** Every name and type a scrape of {@code text} declares. */
  static java.util.Map<String, String> types(String text) {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    Matcher m = TYPE.matcher(text);
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  /** Prometheus' naming rules as far as a name shows them: snake case, _total on counters only. */
  static void assertPrometheusNames(java.util.Map<String, String> types) {
    assertFalse(types.isEmpty());
    types.forEach((name, type) -> {
      assertTrue(name.matches("[a-z][a-z0-9_]*"), name);
      assertEquals(type.equals("counter"), name.endsWith("_total"), name + " is a " + type);
    });
  }

  @Test
  void everyChartedSeriesIsExportedWithTheUnitItsNameSays() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(
        K8sManifestsTest.ROOT.resolve("k8s/grafana-dashboard.json").toFile());
    Set<String> exported = new HashSet<>(Metrics.campaignSeries());
    exported.addAll(types(Metrics.processRegistry().scrape()).keySet());
    Set<String> charted = new HashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      String unit = panel.path("fieldConfig").path("defaults").path("unit").asText();
      for (JsonNode target : panel.path("targets")) {
        Matcher m = SERIES.matcher(target.path("expr").asText());
        assertTrue(m.find(), panel.path("title") + " charts no exported series");
        do {
          String name = m.group();
          assertTrue(exported.contains(name), panel.path("title") + " charts " + name + ", which no node exports");
          charted.add(name);
          if (name.endsWith("_ratio") || name.endsWith("_usage")) {
            assertEquals("percentunit", unit, panel.path("title").asText());
          } else if (name.endsWith("_seconds")) {
            assertEquals("s", unit, panel.path("title").asText());
          } else if (name.endsWith("_bytes")) {
            assertEquals("bytes", unit, panel.path("title").asText());
          }
        } while (m.find());
      }
    }
    assertTrue(charted.containsAll(Metrics.campaignSeries()), "not charted: " + Metrics.campaignSeries());
  }

  @Test
  void theProcessMetersFollowPrometheusNaming() {
    assertPrometheusNames(types(Metrics.processRegistry().scrape()));
    for (String name : Metrics.campaignSeries()) {
      assertTrue(name.matches("perceval_campaign_[a-z_]+"), name);
    }
  }
}
