package dev.perceval.cluster.cli;

import dev.perceval.policy.world.Worlds;
import java.util.Iterator;

/** The registered worlds, for options' help text and completion. */
final class WorldNames implements Iterable<String> {
  @Override
  public Iterator<String> iterator() {
    return Worlds.names().iterator();
  }
}
