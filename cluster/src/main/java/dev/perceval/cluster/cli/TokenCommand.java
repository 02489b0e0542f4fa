package dev.perceval.cluster.cli;

import dev.perceval.cluster.node.ApiTokens;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Print a new random API token as a line for a tokens file (TOKEN SCOPES), e.g."
        + " ./perceval token --scopes read,submit >> tokens.")
final class TokenCommand implements Callable<Integer> {
  @Option(names = "--scopes", split = ",", defaultValue = "read", description = "read, submit (default read).")
  List<String> scopes;

  @Override
  public Integer call() {
    EnumSet<ApiTokens.Scope> chosen = EnumSet.noneOf(ApiTokens.Scope.class);
    for (String s : scopes) {
      chosen.add(ApiTokens.Scope.of(s));
    }
    System.out.println(ApiTokens.newLine(chosen));
    return 0;
  }
}
