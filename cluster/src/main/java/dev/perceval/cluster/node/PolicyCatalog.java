package dev.perceval.cluster.node;

import dev.perceval.policy.io.DataRoot;
import dev.perceval.policy.io.ModelCheckpoint;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The policies a node can serve, as {@code GET /v1/models} lists them: the configured default
 * ({@code perceval.tts.policy}, by the name the config gives it) and the policy checkpoints under
 * the data root, by their path relative to it, which is what a request names as {@code model}.
 * The walk follows no links and skips hidden directories and the node's own files; it stops at
 * {@link #MAX_DEPTH} levels, {@link #MAX_DIRECTORIES} directories and {@link #MAX_MODELS} models,
 * so a large data root costs a bounded listing.
 */
final class PolicyCatalog {
  static final int MAX_DEPTH = 4;
  static final int MAX_DIRECTORIES = 5000;
  static final int MAX_MODELS = 200;

  /** A model as OpenAI lists one; {@code created} is when its checkpoint was written (seconds). */
  record Model(String id, long created) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("object", "model");
      m.put("created", created);
      m.put("owned_by", "perceval");
      return m;
    }
  }

  private final DataRoot root;
  private final String defaultPolicy;

  PolicyCatalog(DataRoot root, String defaultPolicy) {
    this.root = root;
    this.defaultPolicy = defaultPolicy;
  }

  List<Model> list() {
    List<Model> out = new ArrayList<>();
    Path byDefault = Path.of(defaultPolicy).toAbsolutePath().normalize();
    policy(byDefault).ifPresent(created -> out.add(new Model(defaultPolicy, created)));
    if (!Files.isDirectory(root.dir())) {
      return out;
    }
    try {
      Files.walkFileTree(root.dir(), EnumSet.noneOf(FileVisitOption.class), MAX_DEPTH, new SimpleFileVisitor<>() {
        int directories;

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (++directories > MAX_DIRECTORIES || out.size() >= MAX_MODELS) {
            return FileVisitResult.TERMINATE;
          }
          if (!dir.equals(root.dir()) && (dir.getFileName().toString().startsWith(".") || reserved(dir))) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          if (dir.equals(byDefault)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          Optional<Long> created = policy(dir);
          created.ifPresent(c -> add(dir, c));
          // A checkpoint holds no other checkpoint: its files need no walk.
          return created.isPresent() ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          // At the depth limit directories come here, unopened.
          if (attrs.isDirectory() && !file.equals(byDefault) && !file.getFileName().toString().startsWith(".")
              && !reserved(file) && out.size() < MAX_MODELS) {
            policy(file).ifPresent(c -> add(file, c));
          }
          return FileVisitResult.CONTINUE;
        }

        /** By its path under the root, unless the default already goes by that name. */
        private void add(Path dir, long created) {
          String id = root.dir().relativize(dir).toString();
          if (!id.equals(defaultPolicy)) {
            out.add(new Model(id, created));
          }
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // What the walk found before the failure is still servable.
    }
    // The default first, then by name: a listing that does not change with the directories' order on disk.
    out.subList(out.isEmpty() || !out.get(0).id().equals(defaultPolicy) ? 0 : 1, out.size())
        .sort(java.util.Comparator.comparing(Model::id));
    return out;
  }

  Optional<Model> find(String id) {
    return list().stream().filter(m -> m.id().equals(id)).findFirst();
  }

  private boolean reserved(Path dir) {
    return root.reserved().stream().anyMatch(r -> dir.startsWith(r) || r.equals(dir));
  }

  /** When the policy checkpoint at {@code dir} was written, or empty if {@code dir} holds none. */
  private static Optional<Long> policy(Path dir) {
    Path config = dir.resolve("config.json");
    if (!Files.isRegularFile(config) || !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      return Optional.empty();
    }
    try {
      ModelCheckpoint.header(dir, "policy");
      return Optional.of(Files.getLastModifiedTime(config).toMillis() / 1000);
    } catch (RuntimeException | IOException e) {
      return Optional.empty();
    }
  }
}
