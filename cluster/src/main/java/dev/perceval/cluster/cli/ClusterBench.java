package dev.perceval.cluster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.cluster.node.Node;
import dev.perceval.cluster.node.NodeConfig;
import dev.perceval.policy.bench.CampaignTimings;
import dev.perceval.policy.bench.Timing;
import dev.perceval.policy.grpo.CampaignSpec;
import dev.perceval.policy.io.Checkpoint;
import dev.perceval.prm.Verifiers;
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

  @Option(names = "--verifier", defaultValue = "runs/quickstart/prm",
      description = "A verifier checkpoint, or oracle (the world's own labels).") Path verifier;

  @Option(names = "--steps", defaultValue = "6", description = "Campaign steps; the first is left out of the means.")
  int steps;

  @Option(names = "--idle-seconds", defaultValue = "10", description = "How long each node's idle CPU is sampled.")
  int idleSeconds;

  @Option(names = "--base-port", defaultValue = "25700", description = "Remoting ports of the node JVMs start here.")
  int basePort;

  @Option(names = "--out", defaultValue = "runs/bench-cluster") Path out;

  @Option(names = "--node-threads", description = "libtorch threads of each node JVM (default: --threads).")
  Integer nodeThreads;

  @Option(names = "--node-opt", paramLabel = "-Dkey=value", description = "A JVM option for every node JVM (repeatable).")
  List<String> nodeOpts = new ArrayList<>();

  @Option(names = "--setups", split = ",", description = "Which setups run, of ${DEFAULT-VALUE}.",
      defaultValue = "in-process,one-node,three-jvms-artery,three-jvms-aeron")
  List<String> setups;

  static final List<String> SETUPS = List.of("in-process", "one-node", "three-jvms-artery", "three-jvms-aeron");

  /** A run's mean step and phase seconds (steps after the first), and the idle CPU of its nodes. */
  record Measured(CampaignTimings timings, List<Double> idleCores) {}

  @Override
  public Integer call() throws Exception {
    Context ctx = new Context(common.settings(new HashMap<>()));
    Map<String, Measured> results = run(ctx, System.out);
    print(results, System.out);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("bench.json").toFile(), results);
    System.out.println("written " + out.resolve("bench.json"));
    return 0;
  }

  /** Runs the chosen setups one after the other, in {@link #SETUPS} order. */
  Map<String, Measured> run(Context ctx, PrintStream log) throws Exception {
    for (String s : setups) {
      if (!SETUPS.contains(s)) {
        throw new IllegalArgumentException("--setups: unknown setup '" + s + "' (known: " + SETUPS + ")");
      }
    }
    if (!setups.contains("in-process")) {
      throw new IllegalArgumentException("--setups must include in-process, the baseline of every ratio");
    }
    String spec = "name = bench, seed = " + ctx.settings.seed() + ", policy = \"" + policy.toAbsolutePath()
        + "\", verifier = \"" + (isOracle() ? Verifiers.ORACLE : verifier.toAbsolutePath())
        + "\", data.world = " + ctx.settings.world().name() + ", steps = " + steps
        + ", prompts-per-step = 8, group-size = 8,"
        + " trainer { eval-n = 100, eval-every = 0, checkpoint-every = 0 }";
    Files.createDirectories(out);
    Map<String, Measured> results = new LinkedHashMap<>();
    int n = setups.size();
    int i = 0;

    log.println("[" + ++i + "/" + n + "] in-process: the GRPO controller over local worker groups");
    Measured first = inProcess(ctx, spec, "in-process");

    if (setups.contains("one-node")) {
      log.println("[" + ++i + "/" + n + "] one node: every role in this JVM, messages through the actors;"
          + " then in-process again");
      Path oneNode = fresh("one-node");
      Node node = Node.start(NodeConfig.withDataRoot(NodeConfig.load(new NodeConfig.Options(null, null, 0, null,
          fresh("one-node-data"), 0, null, 0)), dataRoot()), ctx.settings.cacheDir());
      try {
        EmbeddedCampaign.run(node, spec + ", out = \"" + oneNode + "\"", "one node", steps);
      } finally {
        node.stop();
      }
      // The in-process baseline runs on both sides of the one-node run, so that what one JVM
      // warms up or wears down over the runs (JIT, allocator, thread pools) falls on both sides.
      Measured second = inProcess(ctx, spec, "in-process-2");
      results.put("in-process", new Measured(CampaignTimings.mean(first.timings(), second.timings()), List.of()));
      results.put("one-node", measure(oneNode, List.of()));
    } else {
      results.put("in-process", first);
    }

    int port = basePort;
    for (String bulk : List.of("artery", "aeron")) {
      if (setups.contains("three-jvms-" + bulk)) {
        log.println("[" + ++i + "/" + n + "] three JVMs (coordinator+learner, sampler, verifier), transport.bulk = "
            + bulk);
        results.put("three-jvms-" + bulk, threeJvms(spec, bulk, port));
      }
      port += 10;
    }
    return results;
  }

  static void print(Map<String, Measured> results, PrintStream log) {
    CampaignTimings base = results.get("in-process").timings();
    log.printf(Locale.ROOT, "%n%-18s %8s %10s %8s %8s %8s %8s %8s %9s  %s%n", "setup", "step s", "vs in-proc",
        "gen s", "verify s", "adv s", "update s", "sync s", "accuracy", "idle CPU per node (% of a core)");
    results.forEach((name, m) -> {
      CampaignTimings t = m.timings();
      log.printf(Locale.ROOT, "%-18s %8.3f %9.2fx %8.3f %8.3f %8.3f %8.3f %8.3f %9.3f  %s%n", name, t.stepS(),
          t.stepS() / base.stepS(), t.genS(), t.verifyS(), t.advS(), t.updateS(), t.syncS(), t.evalAccuracy(),
          m.idleCores().isEmpty() ? "-" : m.idleCores().stream()
              .map(c -> String.format(Locale.ROOT, "%.1f", 100 * c)).toList());
    });
    Measured artery = results.get("three-jvms-artery");
    Measured aeron = results.get("three-jvms-aeron");
    if (artery != null && aeron != null) {
      log.printf(Locale.ROOT, "aeron / artery: sync %.2f, step %.2f, idle CPU %.2f%n",
          aeron.timings().syncS() / artery.timings().syncS(), aeron.timings().stepS() / artery.timings().stepS(),
          sum(aeron.idleCores()) / sum(artery.idleCores()));
    }
  }

  private boolean isOracle() {
    return verifier.toString().equals(Verifiers.ORACLE);
  }

  private Measured inProcess(Context ctx, String spec, String name) throws IOException {
    Path run = fresh(name);
    GrpoWorkflow.run(ctx, CampaignSpec.parse(spec + ", out = \"" + run + "\""), false, quiet());
    return measure(run, List.of());
  }

  /** A setup's output directory, emptied: a run left there by an earlier bench would be resumed. */
  private Path fresh(String name) throws IOException {
    Path dir = out.resolve(name).toAbsolutePath();
    if (Files.exists(dir)) {
      Checkpoint.deleteTree(dir);
    }
    return dir;
  }

  /** The nodes' data root: the deepest directory holding the policy, the verifier and the output. */
  private Path dataRoot() {
    Path root = out.toAbsolutePath().normalize();
    for (Path p : isOracle() ? List.of(policy) : List.of(policy, verifier)) {
      Path a = p.toAbsolutePath().normalize();
      while (!a.startsWith(root)) {
        root = root.getParent();
      }
    }
    return root;
  }

  private Measured threeJvms(String spec, String bulk, int port) throws Exception {
    Path dir = fresh("three-jvms-" + bulk);
    int http = port + 9;
    List<String> jvm = new ArrayList<>(List.of("-Dperceval.transport.bulk=" + bulk,
        "-Dperceval.node.data-root=" + dataRoot()));
    jvm.addAll(nodeOpts);
    Integer t = nodeThreads != null ? nodeThreads : common.threads;
    String[] threads = t == null ? new String[0] : new String[] {"--threads", t.toString()};
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
    return new Measured(CampaignTimings.read(run), idle);
  }

  private static double sum(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).sum();
  }

  private static PrintStream quiet() {
    return new PrintStream(java.io.OutputStream.nullOutputStream());
  }
}
