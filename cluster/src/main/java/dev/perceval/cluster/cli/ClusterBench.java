package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.cluster.node.Node;
import dev.perceval.cluster.node.NodeConfig;
import dev.perceval.policy.bench.CampaignTimings;
import dev.perceval.policy.bench.Timing;
import dev.perceval.policy.grpo.CampaignSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "One campaign three ways (in this process, through the actors of one embedded node, over three"
        + " node JVMs) and, over three JVMs, both weight bulk paths: step time, weight sync time and idle CPU per"
        + " node, with their ratios, from one run.")
final class ClusterBench implements Callable<Integer> {
  private static final String[][] NODES = {{"coordinator,learner"}, {"sampler"}, {"verifier"}};

  @Mixin CommonOptions common;

  @Option(names = "--policy", defaultValue = "runs/quickstart/policy-sft") Path policy;

  @Option(names = "--verifier", defaultValue = "runs/quickstart/prm") Path verifier;

  @Option(names = "--steps", defaultValue = "6", description = "Campaign steps; the first is left out of the means.")
  int steps;

  @Option(names = "--idle-seconds", defaultValue = "10", description = "How long each node's idle CPU is sampled.")
  int idleSeconds;

  @Option(names = "--base-port", defaultValue = "25700", description = "Remoting ports of the node JVMs start here.")
  int basePort;

  @Option(names = "--out", defaultValue = "runs/bench-cluster") Path out;

  @Option(names = "--node-opt", paramLabel = "-Dkey=value", description = "A JVM option for every node JVM (repeatable).")
  List<String> nodeOpts = new ArrayList<>();

  /** Mean step and sync seconds of a run (steps after the first), and the idle CPU of its nodes. */
  record Measured(double stepS, double syncS, double evalAccuracy, List<Double> idleCores) {}

  @Override
  public Integer call() throws Exception {
    Context ctx = new Context(common.settings(new HashMap<>()));
    String spec = "name = bench, seed = " + ctx.settings.seed() + ", policy = \"" + policy.toAbsolutePath()
        + "\", verifier = \"" + verifier.toAbsolutePath() + "\", steps = " + steps
        + ", prompts-per-step = 8, group-size = 8, trainer { eval-n = 100, eval-every = 0, checkpoint-every = 0 }";
    Files.createDirectories(out);
    PrintStream log = System.out;
    Map<String, Measured> results = new LinkedHashMap<>();

    log.println("[1/4] in-process: the GRPO controller over local worker groups");
    Path inProcess = out.resolve("in-process").toAbsolutePath();
    GrpoWorkflow.run(ctx, CampaignSpec.parse(spec + ", out = \"" + inProcess + "\""), false, quiet());
    results.put("in-process", measure(inProcess, List.of()));

    log.println("[2/4] one node: every role in this JVM, messages through the actors");
    Path oneNode = out.resolve("one-node").toAbsolutePath();
    Node node = Node.start(NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null,
        out.resolve("one-node-data"), 0, null, 0)), dataRoot()), ctx.settings.cacheDir());
    try {
      EmbeddedCampaign.run(node, spec + ", out = \"" + oneNode + "\"", "one node", steps);
    } finally {
      node.stop();
    }
    results.put("one-node", measure(oneNode, List.of()));

    int port = basePort;
    for (String bulk : List.of("artery", "aeron")) {
      log.println("[" + (bulk.equals("artery") ? 3 : 4) + "/4] three JVMs (coordinator+learner, sampler, verifier),"
          + " transport.bulk = " + bulk);
      results.put("three-jvms-" + bulk, threeJvms(spec, bulk, port));
      port += 10;
    }

    Measured base = results.get("in-process");
    log.printf(Locale.ROOT, "%n%-18s %10s %10s %10s %9s  %s%n", "setup", "step s", "vs in-proc", "sync s", "accuracy",
        "idle CPU per node (% of a core)");
    results.forEach((name, m) -> log.printf(Locale.ROOT, "%-18s %10.3f %9.2fx %10.3f %9.3f  %s%n", name, m.stepS(),
        m.stepS() / base.stepS(), m.syncS(), m.evalAccuracy(),
        m.idleCores().isEmpty() ? "-" : m.idleCores().stream().map(c -> String.format(Locale.ROOT, "%.1f", 100 * c))
            .toList()));
    Measured artery = results.get("three-jvms-artery");
    Measured aeron = results.get("three-jvms-aeron");
    log.printf(Locale.ROOT, "ratios: one node / in-process step %.2f; three JVMs / in-process step %.2f;"
            + " aeron / artery: sync %.2f, step %.2f, idle CPU %.2f%n",
        results.get("one-node").stepS() / base.stepS(), artery.stepS() / base.stepS(), aeron.syncS() / artery.syncS(),
        aeron.stepS() / artery.stepS(), sum(aeron.idleCores()) / sum(artery.idleCores()));
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("bench.json").toFile(), results);
    log.println("written " + out.resolve("bench.json"));
    return 0;
  }

  /** The nodes' data root: the deepest directory holding the policy, the verifier and the output. */
  private Path dataRoot() {
    Path root = out.toAbsolutePath().normalize();
    for (Path p : List.of(policy, verifier)) {
      Path a = p.toAbsolutePath().normalize();
      while (!a.startsWith(root)) {
        root = root.getParent();
      }
    }
    return root;
  }

  private Measured threeJvms(String spec, String bulk, int port) throws Exception {
    Path dir = out.resolve("three-jvms-" + bulk).toAbsolutePath();
    int http = port + 9;
    List<String> jvm = new ArrayList<>(List.of("-Dperceval.transport.bulk=" + bulk,
        "-Dperceval.node.data-root=" + dataRoot()));
    jvm.addAll(nodeOpts);
    String[] threads = common.threads == null ? new String[0] : new String[] {"--threads", common.threads.toString()};
    try (LocalCluster nodes = new LocalCluster(dir, port, jvm)) {
      for (int i = 0; i < NODES.length; i++) {
        String roles = NODES[i][0];
        List<String> opts = new ArrayList<>(List.of(threads));
        if (roles.contains("coordinator")) {
          opts.addAll(List.of("--http-port", String.valueOf(http)));
        }
        nodes.start("node" + i, roles, port + i, opts.toArray(String[]::new));
      }
      ApiClient api = new ApiClient("http://127.0.0.1:" + http);
      LocalCluster.awaitCoordinator(api);
      String id = api.post("/campaigns", spec + ", out = \"" + dir.resolve("campaign") + "\"").path("id").asText();
      JsonNode status;
      try (var bar = Progress.bar("3 JVMs " + bulk, steps)) {
        do {
          Thread.sleep(1000);
          status = api.get("/campaigns/" + id);
          bar.stepTo(status.path("step").asLong());
        } while (List.of("queued", "running", "paused").contains(status.path("status").asText()));
      }
      if (!status.path("status").asText().equals("completed")) {
        throw new IllegalStateException("campaign over three JVMs (" + bulk + ") ended "
            + status.path("status").asText() + ": " + status.path("error").asText() + " (logs in " + dir + ")");
      }
      // Let the nodes settle after the campaign before sampling what they cost while idle.
      Thread.sleep(2000);
      List<Double> idle = Timing.cpuCores(nodes.handles(), Duration.ofSeconds(idleSeconds));
      return measure(dir.resolve("campaign"), idle);
    }
  }

  private static Measured measure(Path run, List<Double> idle) throws IOException {
    CampaignTimings t = CampaignTimings.read(run);
    return new Measured(t.stepS(), t.syncS(), t.evalAccuracy(), idle);
  }

  private static double sum(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).sum();
  }

  private static PrintStream quiet() {
    return new PrintStream(java.io.OutputStream.nullOutputStream());
  }
}
