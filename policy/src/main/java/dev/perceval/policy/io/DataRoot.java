package dev.perceval.policy.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The directory a node's requests may name paths under: checkpoints a campaign or a chat request
 * loads, and the directory a campaign writes. A path from a request resolves against it; one that
 * lands elsewhere (absolute, {@code ..}, or a link that leads out) is refused with the key's name
 * and the same words whether or not it exists, so a caller cannot probe the file system.
 */
public record DataRoot(Path dir) {
  public DataRoot {
    dir = dir.toAbsolutePath().normalize();
  }

  /** {@code given} as an absolute path under the root, or an IllegalArgumentException naming {@code key}. */
  public String resolve(String key, String given) {
    Path p;
    try {
      p = dir.resolve(given).normalize();
    } catch (InvalidPathException e) {
      throw outside(key, given);
    }
    if (!p.startsWith(dir) || !realPathInside(p)) {
      throw outside(key, given);
    }
    return p.toString();
  }

  /** Whether the deepest existing ancestor of {@code p} (itself included) really lies under the root. */
  private boolean realPathInside(Path p) {
    try {
      Path root = Files.exists(dir) ? dir.toRealPath() : dir;
      Path existing = p;
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      return existing == null || existing.toRealPath().startsWith(root);
    } catch (IOException e) {
      return false;
    }
  }

  private static IllegalArgumentException outside(String key, String given) {
    return new IllegalArgumentException(key + ": '" + given + "' is not under this node's data root"
        + " (perceval.node.data-root); name a path inside it");
  }
}
