package dev.perceval.cluster.cli;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.jdbc.testkit.javadsl.SchemaUtils;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.perceval.cluster.node.NodeConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "db", mixinStandardHelpOptions = true, description = "The journal database.",
    subcommands = {DbCommand.Init.class})
final class DbCommand extends GroupCommand {

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create the journal and snapshot tables if they do not exist (H2 or PostgreSQL, per --config).")
  static final class Init implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "Node config, e.g. conf/postgres.conf.")
    Path config;

    @Override
    public Integer call() throws Exception {
      Config node = NodeConfig.load(new NodeConfig.Options(config, java.util.List.of("learner"), 0, null, null, null,
          null, 0));
      // Only the persistence plugin is needed: a local actor system, no cluster, no remoting.
      Config local = node.withValue("akka.actor.provider", ConfigValueFactory.fromAnyRef("local"));
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "perceval-db", local);
      try {
        SchemaUtils.createIfNotExists(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
        System.out.println("journal schema ready at "
            + local.getString("akka-persistence-jdbc.shared-databases.perceval.db.url"));
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("cannot create the journal schema: " + PercevalCli.describe(e), e);
      } finally {
        system.terminate();
      }
      return 0;
    }
  }
}
