package dev.perceval.cluster.cli;

import dev.perceval.policy.grpo.CampaignSpec;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Run a GRPO campaign with Perceval token-level advantages in this process.")
final class TrainCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(names = "--spec", required = true, description = "Campaign spec (HOCON; see campaign-reference.conf).")
  Path spec;

  @Option(names = "--with", paramLabel = "KEY=VALUE",
      description = "Override one spec key, e.g. --with algorithm.alpha=0 (repeatable).")
  Map<String, String> with = new LinkedHashMap<>();

  @Option(names = "--trust-spec", description = "Let the spec file include other files and read environment"
      + " variables; without it a spec is read as data, as the HTTP API reads it.")
  boolean trustSpec;

  @Option(names = "--resume", description = "Continue from the newest checkpoint under the campaign's out directory.")
  boolean resume;

  @Override
  public Integer call() throws Exception {
    Context ctx = new Context(common.settings(new HashMap<>()));
    CampaignSpec s = CampaignSpec.load(spec, trustSpec);
    if (!with.isEmpty()) {
      s = s.with(with);
    }
    GrpoWorkflow.run(ctx, s, resume, System.out);
    return 0;
  }
}
