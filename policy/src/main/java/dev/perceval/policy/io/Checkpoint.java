package dev.perceval.policy.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A checkpoint is a directory of files plus {@code manifest.json} listing each file's size and
 * sha-256. It is written into a temporary sibling and renamed into place, so a reader sees either
 * the old checkpoint or the complete new one; a reader verifies every file before use.
 */
public final class Checkpoint {
  public static final String MANIFEST = "manifest.json";
  private static final String FORMAT = "perceval-checkpoint-1";
  static final ObjectMapper JSON = new ObjectMapper();

  private Checkpoint() {}

  /** Something that writes a checkpoint's files into a (temporary) directory. */
  @FunctionalInterface
  public interface Writer {
    void writeTo(Path dir) throws IOException;
  }

  public static void write(Path target, Writer writer) {
    Path abs = target.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    String name = abs.getFileName().toString();
    Path tmp = parent.resolve("." + name + ".tmp-" + System.nanoTime());
    try {
      Files.createDirectories(parent);
      deleteStale(parent, "." + name + ".tmp-");
      Files.createDirectory(tmp);
      writer.writeTo(tmp);
      writeManifest(tmp);
      Path old = null;
      if (Files.exists(abs)) {
        if (!Files.exists(abs.resolve(MANIFEST))) {
          throw new CheckpointException("checkpoint " + target
              + ": the directory exists and is not a checkpoint; refusing to replace it");
        }
        old = parent.resolve("." + name + ".old-" + System.nanoTime());
        move(abs, old);
      }
      move(tmp, abs);
      if (old != null) {
        deleteTree(old);
      }
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new CheckpointException("checkpoint " + target + ": cannot write (" + e.getMessage() + ")", e);
    } catch (RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
  }

  /** Checks the manifest and every listed file; returns the manifest's {@code files} node. */
  public static JsonNode verify(Path dir) {
    return verify(dir, f -> true);
  }

  /**
   * Checks the manifest and the listed files {@code which} accepts (size and sha-256), e.g. a
   * model's small header files without reading its weights; returns the manifest's {@code files} node.
   */
  public static JsonNode verify(Path dir, java.util.function.Predicate<String> which) {
    Path manifest = dir.resolve(MANIFEST);
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException("checkpoint " + dir + ": no such directory");
    }
    if (!Files.isRegularFile(manifest)) {
      throw new CheckpointException("checkpoint " + dir + ": " + MANIFEST + " is missing (not a checkpoint, or an interrupted write)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(manifest.toFile());
    } catch (IOException e) {
      throw new CheckpointException("checkpoint " + dir + ": " + MANIFEST + " is not valid JSON");
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new CheckpointException("checkpoint " + dir + ": unknown format (expected " + FORMAT + ")");
    }
    JsonNode files = root.path("files");
    for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!which.test(e.getKey())) {
        continue;
      }
      Path f = dir.resolve(e.getKey());
      if (!Files.isRegularFile(f)) {
        throw new CheckpointException("checkpoint " + dir + ": " + e.getKey() + " is missing");
      }
      try {
        long size = Files.size(f);
        long expected = e.getValue().path("bytes").asLong(-1);
        if (size != expected) {
          throw new CheckpointException("checkpoint " + dir + ": " + e.getKey() + " is " + size
              + " bytes, the manifest says " + expected + " (truncated or modified)");
        }
        if (!sha256(f).equals(e.getValue().path("sha256").asText())) {
          throw new CheckpointException("checkpoint " + dir + ": " + e.getKey()
              + " fails its sha-256 check (corrupt or modified)");
        }
      } catch (IOException ex) {
        throw new CheckpointException("checkpoint " + dir + ": cannot read " + e.getKey(), ex);
      }
    }
    return files;
  }

  public static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writeManifest(Path dir) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    ObjectNode files = root.putObject("files");
    try (Stream<Path> list = Files.list(dir)) {
      for (Path f : list.sorted().toList()) {
        fsync(f);
        ObjectNode entry = files.putObject(f.getFileName().toString());
        entry.put("bytes", Files.size(f));
        entry.put("sha256", sha256(f));
      }
    }
    Path manifest = dir.resolve(MANIFEST);
    Files.writeString(manifest, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    fsync(manifest);
  }

  private static void fsync(Path f) throws IOException {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /** Deletes {@code dir} and everything under it; a missing one is no error. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Removes temporary directories that an earlier writer of the same checkpoint left when its
   * process was killed mid-write: one learner writes a campaign's checkpoints, so none is live.
   */
  private static void deleteStale(Path parent, String prefix) throws IOException {
    try (java.util.stream.Stream<Path> siblings = Files.list(parent)) {
      for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
        deleteTree(p);
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException ignored) {
      // best effort: a stray temp directory is harmless and named as such
    }
  }
}
