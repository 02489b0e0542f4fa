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
public record DataRoot(Path dir, java.util.List<Path> reserved) {
  public DataRoot {
    dir = dir.toAbsolutePath().normalize();
    reserved = reserved.stream().map(r -> r.toAbsolutePath().normalize()).toList();
  }

  public DataRoot(Path dir) {
    this(dir, java.util.List.of());
  }

  /**
   * A root whose {@code reserved} paths (the node's own files: its journal, keys, tokens) no
   * request may name, even where they lie under it.
   */
  public DataRoot reserving(java.util.List<Path> paths) {
    java.util.List<Path> all = new java.util.ArrayList<>(reserved);
    all.addAll(paths);
    return new DataRoot(dir, all);
  }

  /**
   * {@code text} (an error about a path under the root) with the root's own location left out:
   * a caller named the path relative to the root and learns nothing about where the node keeps it.
   */
  public String hide(String text) {
    return text.replace(dir + java.io.File.separator, "").replace(dir.toString(), ".");
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
    for (Path r : reserved) {
      if (p.startsWith(r) || r.startsWith(p) || real(p).startsWith(real(r))) {
        throw new IllegalArgumentException(key + ": '" + given + "' is or holds this node's own files (its journal,"
            + " keys or tokens); name another path under the data root");
      }
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

  /** {@code p} with the links of its deepest existing ancestor followed. */
  private static Path real(Path p) {
    Path existing = p;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    try {
      return existing == null ? p : existing.toRealPath().resolve(existing.relativize(p));
    } catch (IOException e) {
      return p;
    }
  }

  private static IllegalArgumentException outside(String key, String given) {
    return new IllegalArgumentException(key + ": '" + given + "' is not under this node's data root"
        + " (perceval.node.data-root); name a path inside it");
  }
}
