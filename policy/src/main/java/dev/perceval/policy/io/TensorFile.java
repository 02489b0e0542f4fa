package dev.perceval.policy.io;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named float tensors in one file: magic, count, then per tensor its name, element count and
 * big-endian floats. Deliberately trivial so a checkpoint can be read without DJL.
 */
public final class TensorFile {
  private static final int MAGIC = 0x50524356; // "PRCV"
  private static final int VERSION = 1;

  private TensorFile() {}

  public static void write(Path file, Map<String, float[]> tensors) throws IOException {
    try (OutputStream os = Files.newOutputStream(file)) {
      write(os, tensors);
    }
  }

  /** The same bytes as a file, in memory: what travels when weights are published. */
  public static byte[] toBytes(Map<String, float[]> tensors) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      write(bytes, tensors);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static Map<String, float[]> fromBytes(byte[] bytes) throws IOException {
    return read(new ByteArrayInputStream(bytes), "weights");
  }

  private static void write(OutputStream os, Map<String, float[]> tensors) throws IOException {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os, 1 << 16));
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(tensors.size());
    for (Map.Entry<String, float[]> e : tensors.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue().length);
      for (float f : e.getValue()) {
        out.writeFloat(f);
      }
    }
    out.flush();
  }

  public static Map<String, float[]> read(Path file) throws IOException {
    try (InputStream is = Files.newInputStream(file)) {
      return read(is, file.getFileName().toString());
    }
  }

  private static Map<String, float[]> read(InputStream is, String name) throws IOException {
    try {
      DataInputStream in = new DataInputStream(new BufferedInputStream(is, 1 << 16));
      if (in.readInt() != MAGIC || in.readInt() != VERSION) {
        throw new IOException(name + ": not a perceval tensor file");
      }
      int count = in.readInt();
      if (count < 0 || count > 1_000_000) {
        throw new IOException(name + ": implausible tensor count " + count);
      }
      Map<String, float[]> out = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String tensor = in.readUTF();
        int n = in.readInt();
        if (n < 0 || n > 1 << 28) {
          throw new IOException(name + ": implausible size " + n + " for '" + tensor + "'");
        }
        float[] v = new float[n];
        for (int j = 0; j < n; j++) {
          v[j] = in.readFloat();
        }
        out.put(tensor, v);
      }
      return out;
    } catch (EOFException e) {
      throw new IOException(name + ": truncated", e);
    }
  }
}
