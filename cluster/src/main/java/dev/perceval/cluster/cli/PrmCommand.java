package dev.perceval.cluster.cli;

import dev.perceval.policy.Settings;
import dev.perceval.policy.io.ModelCheckpoint;
import dev.perceval.prm.PrmSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prm", mixinStandardHelpOptions = true,
    description = "The Perceval process reward model: train and evaluate.",
    subcommands = {PrmCommand.Train.class, PrmCommand.Eval.class})
final class PrmCommand extends GroupCommand {
  /** What both subcommands build from the common options, the world and one key of their own. */
  private record Setup(Context ctx, PrmSettings prm) {
    static Setup of(CommonOptions common, String world, String key, Object value) {
      Map<String, Object> extra = new HashMap<>();
      extra.put("world.name", world);
      extra.put(key, value);
      var config = common.config(extra).getConfig("perceval");
      return new Setup(new Context(Settings.from(config)), PrmSettings.from(config));
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Synthesize perception-intensive data from a policy and train the verifier on it.")
  static final class Train implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--world", completionCandidates = WorldNames.class,
        description = "One of ${COMPLETION-CANDIDATES} (perceval.world.name).")
    String world;

    @Option(names = "--policy", required = true, description = "Policy checkpoint whose samples are labelled.")
    Path policy;

    @Option(names = "--out", required = true, description = "Verifier checkpoint directory to write.")
    Path out;

    @Option(names = "--steps", description = "Training steps (perceval.prm.steps).")
    Integer steps;

    @Option(names = "--eval-n", defaultValue = "0", description = "Then evaluate on this many held-out examples per set.")
    int evalN;

    @Override
    public Integer call() throws Exception {
      Setup s = Setup.of(common, world, "prm.steps", steps);
      String name = s.ctx().settings.world().name();
      PrmWorkflows.train(s.ctx(), s.prm(), name, policy, out, System.out);
      if (evalN > 0) {
        PrmWorkflows.evaluate(s.ctx(), s.prm(), name, out, policy, evalN, null, System.out);
      }
      return 0;
    }
  }

  @Command(name = "eval", mixinStandardHelpOptions = true,
      description = "Claim-level precision, recall, F1 and span IoU against the oracle on held-out scenes,"
          + " on corrupted gold responses and on policy samples.")
  static final class Eval implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--ckpt", required = true, description = "Verifier checkpoint.")
    Path ckpt;

    @Option(names = "--policy", required = true, description = "Policy checkpoint to sample responses from.")
    Path policy;

    @Option(names = "--world", description = "World (default: the verifier's).")
    String world;

    @Option(names = "--n", description = "Examples per set (perceval.prm.eval-n).")
    Integer n;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the table as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
      Setup s = Setup.of(common, world, "prm.eval-n", n);
      String name = world != null ? world : ModelCheckpoint.header(ckpt, "verifier").world();
      PrmWorkflows.evaluate(s.ctx(), s.prm(), name, ckpt, policy, s.prm().evalN(), json, System.out);
      return 0;
    }
  }
}
