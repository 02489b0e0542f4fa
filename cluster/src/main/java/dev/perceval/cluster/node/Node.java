package dev.perceval.cluster.node;

import ai.djl.Device;
import ai.djl.engine.Engine;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.ClusterSingletonSettings;
import akka.cluster.typed.SingletonActor;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import dev.perceval.actors.CampaignRunner;
import dev.perceval.actors.Coordinator;
import dev.perceval.actors.LearnerActor;
import dev.perceval.actors.ModelSource;
import dev.perceval.actors.SamplerActor;
import dev.perceval.actors.TtsRunner;
import dev.perceval.actors.TtsSession;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import dev.perceval.actors.VerifierActor;
import dev.perceval.actors.WorkerGroup;
import dev.perceval.policy.io.DataRoot;
import dev.perceval.policy.model.Torch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running node: the ActorSystem with the actors its roles call for, the coordinator singleton
 * (hosted on coordinator nodes, reachable from all), and on coordinator nodes the HTTP API.
 */
public final class Node {
  private final ActorSystem<Void> system;
  private final ActorRef<Coordinator.Command> coordinator;
  private final HttpApi http;

  private Node(ActorSystem<Void> system, ActorRef<Coordinator.Command> coordinator, HttpApi http) {
    this.system = system;
    this.coordinator = coordinator;
    this.http = http;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public ActorRef<Coordinator.Command> coordinator() {
    return coordinator;
  }

  /** Whether the API and remoting use TLS (perceval.tls.dir). */
  public boolean tls() {
    return Tls.enabled(system.settings().config());
  }

  /** The HTTP port actually bound, or -1 on nodes without the API. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  public static Node start(Config nodeConfig, Path cacheDir) {
    Config config = Tls.apply(nodeConfig);
    List<String> roles = config.getStringList("perceval.node.roles");
    List<Device> devices = devices(config.getStringList("perceval.node.devices"));
    Path dataDir = Path.of(config.getString("perceval.node.data-dir"));
    // Checked before anything starts: a node that would serve the network without tokens does not.
    ApiTokens tokens = roles.contains("coordinator") ? ApiTokens.from(config) : ApiTokens.open();
    ActorSystem<Void> system;
    try {
      system = ActorSystem.create(guardian(roles, devices, cacheDir), NodeConfig.SYSTEM_NAME,
          deviceDispatchers(config, devices));
    } catch (RuntimeException e) {
      throw new IllegalStateException("the node did not start: " + e.getMessage(), e);
    }
    try {
      boolean bootstrap = config.getBoolean("perceval.node.bootstrap");
      if (config.getBoolean("perceval.node.management") || bootstrap) {
        // Health (/alive) and readiness (/ready: an Up member whose coordinator answers) for supervisors.
        akka.management.javadsl.AkkaManagement.get(system).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      if (bootstrap) {
        akka.management.cluster.bootstrap.ClusterBootstrap.get(system).start();
      } else if (config.getStringList("akka.cluster.seed-nodes").isEmpty()) {
        akka.cluster.typed.Cluster cluster = akka.cluster.typed.Cluster.get(system);
        cluster.manager().tell(akka.cluster.typed.Join.create(cluster.selfMember().address()));
      }
      if (config.getString("akka-persistence-jdbc.shared-databases.perceval.profile").contains("H2")) {
        // The embedded journal needs no set-up: its schema is made on first start.
        SchemaUtils.createIfNotExists(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      ActorRef<Coordinator.Command> coordinator = coordinatorProxy(system, roles, cacheDir);
      CoordinatorReadiness.register(system, coordinator);
      ttsSessions(system, cacheDir);
      HttpApi http = roles.contains("coordinator") ? HttpApi.start(system, coordinator, config, tokens) : null;
      system.log().info("node up: roles {}, devices {}, data {}, {}", roles, devices, dataDir, Tls.enabled(config)
          ? "TLS remoting with mutual authentication as " + Tls.subject(config) : "plain TCP remoting");
      return new Node(system, coordinator, http);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("the node did not start: " + WorkerGroup.describe(e), e);
    }
  }

  private static Behavior<Void> guardian(List<String> roles, List<Device> devices, Path cacheDir) {
    return Behaviors.setup(ctx -> {
      for (Device d : devices) {
        ModelSource source = new ModelSource(d, cacheDir);
        DispatcherSelector thread = DispatcherSelector.fromConfig(dispatcherOf(d));
        if (roles.contains("sampler")) {
          ctx.spawn(SamplerActor.create(source, d.toString()), "sampler-" + deviceName(d), thread);
        }
        if (roles.contains("verifier")) {
          ctx.spawn(VerifierActor.create(source, d.toString()), "verifier-" + deviceName(d), thread);
        }
      }
      if (roles.contains("learner")) {
        ctx.spawn(LearnerActor.create(new ModelSource(devices.get(0), cacheDir)), "learner",
            DispatcherSelector.fromConfig(dispatcherOf(devices.get(0))));
      }
      return Behaviors.empty();
    });
  }

  private static String deviceName(Device d) {
    return d.toString().replaceAll("[^A-Za-z0-9]", "");
  }

  private static String dispatcherOf(Device d) {
    return "perceval.actors.device-dispatchers." + deviceName(d);
  }

  /** The config with one copy of the model dispatcher (a single thread) per device. */
  private static Config deviceDispatchers(Config config, List<Device> devices) {
    Config out = config;
    for (Device d : devices) {
      out = out.withValue(dispatcherOf(d), config.getValue("perceval.actors.model-dispatcher"));
    }
    return out;
  }

  /** Starts the singleton on coordinator nodes; every node gets a proxy to it. */
  private static ActorRef<Coordinator.Command> coordinatorProxy(ActorSystem<Void> system, List<String> roles,
      Path cacheDir) {
    Duration shard = system.settings().config().getDuration("perceval.actors.shard-timeout");
    int snapshotEvery = system.settings().config().getInt("perceval.node.snapshot-every");
    ModelSource source = new ModelSource(Device.cpu(), cacheDir);
    Behavior<Coordinator.Command> behavior = Behaviors.setup(ctx -> Coordinator.create(source,
        new CampaignRunner.Workers(new WorkerGroup<>(ctx.getSystem(), SamplerActor.KEY, shard),
            new WorkerGroup<>(ctx.getSystem(), VerifierActor.KEY, shard),
            new WorkerGroup<>(ctx.getSystem(), LearnerActor.KEY, shard)), snapshotEvery,
        NodeConfig.dataRoot(system.settings().config())));
    return ClusterSingleton.get(system).init(SingletonActor.of(behavior, "coordinator")
        .withSettings(ClusterSingletonSettings.create(system).withRole("coordinator")));
  }

  /**
   * TTS sessions, sharded by request id over {@code tts} nodes (other nodes reach them by proxy).
   * Remembered entities restart on another node when theirs leaves, so a request mid-loop resumes.
   */
  private static void ttsSessions(ActorSystem<Void> system, Path cacheDir) {
    Duration shard = system.settings().config().getDuration("perceval.actors.shard-timeout");
    TtsRunner.Workers workers = new TtsRunner.Workers(new WorkerGroup<>(system, SamplerActor.KEY, shard),
        new WorkerGroup<>(system, VerifierActor.KEY, shard), new ModelSource(Device.cpu(), cacheDir));
    Duration idle = system.settings().config().getDuration("perceval.tts.session-idle");
    ClusterSharding.get(system).init(Entity.of(TtsSession.TYPE,
            e -> TtsSession.create(e.getEntityId(), workers, e.getShard(), idle))
        .withRole("tts")
        .withSettings(ClusterShardingSettings.create(system).withRememberEntities(true)));
  }

  /** {@code [cpu]}, {@code [gpu:0, ...]}, or {@code [auto]}: every visible GPU, else the CPU. */
  static List<Device> devices(List<String> specs) {
    List<Device> out = new ArrayList<>();
    for (String s : specs) {
      if (s.strip().equalsIgnoreCase("auto")) {
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        for (int i = 0; i < gpus; i++) {
          out.add(Device.gpu(i));
        }
        if (gpus == 0) {
          out.add(Device.cpu());
        }
      } else {
        out.add(Torch.device(s));
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("perceval.node.devices is empty (use [cpu], [gpu:0] or [auto])");
    }
    return out;
  }

  public void awaitTermination() throws InterruptedException {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  public void stop() {
    if (http != null) {
      http.stop();
    }
    system.terminate();
    Duration limit = system.settings().config().getDuration("perceval.node.stop-timeout");
    try {
      system.getWhenTerminated().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      system.log().warn("the actor system did not terminate within {} (a remoting stream is still closing);"
          + " stop returns without it", limit);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the actor system failed to terminate", e.getCause());
    }
  }
}
