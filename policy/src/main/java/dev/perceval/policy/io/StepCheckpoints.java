package dev.perceval.policy.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A run's checkpoints: {@code step-N} directories under one folder, N the completed steps. Only
 * complete checkpoints (with a manifest) count, so an interrupted write is never resumed from
 * and never keeps an older one from being pruned.
 */
public record StepCheckpoints(Path dir) {
  private static final String PREFIX = "step-";

  public Path of(long step) {
    return dir.resolve(PREFIX + step);
  }

  /** Complete checkpoints, oldest first. */
  public List<Path> list() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d+")
              && Files.isRegularFile(p.resolve(Checkpoint.MANIFEST)))
          .sorted(Comparator.comparingLong(StepCheckpoints::stepOf))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The checkpoint of the most steps, or null when there is none. */
  public Path latest() {
    List<Path> all = list();
    return all.isEmpty() ? null : all.get(all.size() - 1);
  }

  /** Deletes all but the newest {@code keep} checkpoints; 0 keeps every one. */
  public void prune(int keep) {
    if (keep <= 0) {
      return;
    }
    List<Path> all = list();
    for (Path old : all.subList(0, Math.max(0, all.size() - keep))) {
      try {
        Checkpoint.deleteTree(old);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete old checkpoint " + old + ": " + e.getMessage(), e);
      }
    }
  }

  public static long stepOf(Path checkpoint) {
    return Long.parseLong(checkpoint.getFileName().toString().substring(PREFIX.length()));
  }
}
