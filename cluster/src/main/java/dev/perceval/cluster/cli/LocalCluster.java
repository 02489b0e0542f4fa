package dev.perceval.cluster.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Node JVMs of one cluster on 127.0.0.1, started from this JVM's classpath, each logging to
 * {@code <dir>/<name>.log}: real processes for benchmarks and for killing in fault scenarios.
 * Every node seeds from the first one's port.
 */
final class LocalCluster implements AutoCloseable {
  private static final Duration UP_WITHIN = Duration.ofSeconds(120);

  private final Path dir;
  private final int seedPort;
  private final List<String> jvmOptions;
  private final Map<String, Process> nodes = new LinkedHashMap<>();
  private final Map<String, List<String>> commands = new LinkedHashMap<>();

  /** @param jvmOptions options for every node JVM (after the project's own), e.g. {@code -Dperceval.transport.bulk=aeron} */
  LocalCluster(Path dir, int seedPort, List<String> jvmOptions) throws IOException {
    this.dir = dir.toAbsolutePath();
    this.seedPort = seedPort;
    this.jvmOptions = List.copyOf(jvmOptions);
    Files.createDirectories(this.dir);
  }

  /** Starts node {@code name} with {@code roles} and further {@code node} options; waits until it is up. */
  void start(String name, String roles, int port, String... nodeOptions) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Xmx2g", "-Djava.awt.headless=true", "-Dai.djl.offline=true",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        // One media driver directory for the host, private to this cluster.
        "-Dperceval.transport.aeron.dir=" + dir.resolve("aeron")));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PercevalCli.class.getName(), "node",
        "--roles", roles, "--port", String.valueOf(port), "--seeds", "127.0.0.1:" + seedPort,
        "--data-dir", dir.resolve(name).toString(), "--management-port", "0"));
    cmd.addAll(List.of(nodeOptions));
    commands.put(name, List.copyOf(cmd));
    launch(name, cmd);
  }

  /** Starts node {@code name} again, as it was started (roles, port, data dir); waits until it is up. */
  void restart(String name) throws IOException, InterruptedException {
    List<String> cmd = commands.get(name);
    if (cmd == null) {
      throw new IllegalArgumentException("no node named " + name + " was started");
    }
    launch(name, cmd);
  }

  private void launch(String name, List<String> cmd) throws IOException, InterruptedException {
    Path log = dir.resolve(name + ".log");
    if (Files.exists(log)) {
      Files.move(log, dir.resolve(name + ".before-restart.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    nodes.put(name, p);
    long deadline = System.nanoTime() + UP_WITHIN.toNanos();
    while (!(Files.exists(log) && Files.readString(log).contains(" up with roles "))) {
      if (!p.isAlive()) {
        throw new IllegalStateException("node " + name + " exited with " + p.exitValue() + "; see " + log);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node " + name + " did not come up in " + UP_WITHIN.toSeconds() + " s; see "
            + log);
      }
      Thread.sleep(200);
    }
  }

  /** Waits until the cluster's coordinator answers through {@code api} (an unknown campaign: not found). */
  static void awaitCoordinator(ApiClient api) throws InterruptedException {
    long deadline = System.nanoTime() + UP_WITHIN.toNanos();
    while (true) {
      RuntimeException last;
      try {
        api.get("/campaigns/none");
        return;
      } catch (IllegalArgumentException e) {
        if (e.getMessage().startsWith("no campaign")) {
          return;
        }
        last = e;
      } catch (IllegalStateException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the coordinator did not answer in " + UP_WITHIN.toSeconds() + " s", last);
      }
      Thread.sleep(500);
    }
  }

  /** Kills node {@code name} with SIGKILL, as a crash would: no shutdown hook, no leaving the cluster. */
  void kill(String name) throws InterruptedException {
    Process p = nodes.remove(name);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  List<ProcessHandle> handles() {
    return nodes.values().stream().map(Process::toHandle).toList();
  }

  Path log(String name) {
    return dir.resolve(name + ".log");
  }

  /** Stops every node that is still running: gracefully, then forcibly after 30 s. */
  @Override
  public void close() throws InterruptedException {
    nodes.values().forEach(Process::destroy);
    for (Process p : nodes.values()) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    nodes.clear();
  }
}
