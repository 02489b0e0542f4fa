package dev.perceval.policy.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.perceval.policy.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named F32 tensors in the safetensors format, so that PyTorch, numpy or any other safetensors
 * reader opens a checkpoint without this project: an 8-byte little-endian header length N, N
 * bytes of JSON ({@code name: {dtype, shape, data_offsets}} plus {@code __metadata__}), then the
 * little-endian row-major values of every tensor, back to back. Reading checks everything the
 * format promises, because a checkpoint or a weights message may come from elsewhere.
 */
public final class SafeTensors {
  /** The reference implementation's limit: a larger header is taken for a damaged file. */
  static final long MAX_HEADER = 100_000_000;
  private static final String METADATA = "__metadata__";
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private SafeTensors() {}

  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    Files.write(file, toBytes(tensors));
  }

  /** The same bytes as a file, in memory: what travels when weights are published. */
  public static byte[] toBytes(Map<String, Tensor> tensors) {
    ObjectNode header = JSON.createObjectNode();
    // Hugging Face's PyTorch loaders expect this tag; it says nothing about the layout.
    header.putObject(METADATA).put("format", "pt");
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      if (e.getKey().equals(METADATA)) {
        throw new IllegalArgumentException("a tensor cannot be named " + METADATA);
      }
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", "F32");
      ArrayNode shape = entry.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      long end = offset + 4L * e.getValue().data().length;
      entry.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    // Spaces pad the header so the values start 8-byte aligned, as the format recommends.
    int padded = (json.length + 7) / 8 * 8;
    long total = 8 + padded + offset;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("tensors of " + total + " bytes do not fit one safetensors buffer here");
    }
    ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded).put(json);
    for (int i = json.length; i < padded; i++) {
      out.put((byte) ' ');
    }
    for (Tensor t : tensors.values()) {
      out.asFloatBuffer().put(t.data());
      out.position(out.position() + 4 * t.data().length);
    }
    return out.array();
  }

  public static Map<String, Tensor> read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > Integer.MAX_VALUE - 8) {
      throw new IOException(file.getFileName() + ": " + size + " bytes, larger than this reader takes (2 GiB)");
    }
    return fromBytes(Files.readAllBytes(file), file.getFileName().toString());
  }

  /** The tensors in {@code bytes}; {@code name} (a file, a message) is what errors call them. */
  public static Map<String, Tensor> fromBytes(byte[] bytes, String name) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 8) {
      throw new IOException(name + ": truncated (" + bytes.length + " bytes, too short for the header length)");
    }
    long n = in.getLong();
    if (n < 0 || n > MAX_HEADER) {
      throw new IOException(name + ": header length " + Long.toUnsignedString(n) + " is over the limit of "
          + MAX_HEADER + " bytes (not a safetensors file, or damaged)");
    }
    if (n > bytes.length - 8) {
      throw new IOException(name + ": header length " + n + " exceeds the " + bytes.length
          + "-byte file (truncated or not a safetensors file)");
    }
    JsonNode header;
    try {
      header = JSON.readTree(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, 8, (int) n)).toString());
    } catch (CharacterCodingException e) {
      throw new IOException(name + ": header is not UTF-8 text");
    } catch (JsonProcessingException e) {
      throw new IOException(name + ": header is not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (header == null || !header.isObject()) {
      throw new IOException(name + ": header is not a JSON object");
    }
    int start = 8 + (int) n;
    long buffer = bytes.length - start;
    List<Entry> entries = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals(METADATA)) {
        checkMetadata(name, e.getValue());
      } else {
        entries.add(entry(name, e.getKey(), e.getValue(), buffer));
      }
    }
    checkLayout(name, entries, buffer);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Entry e : entries) {
      float[] v = new float[(int) ((e.end - e.begin) / 4)];
      in.position(start + (int) e.begin);
      in.asFloatBuffer().get(v);
      out.put(e.name, new Tensor(e.shape, v));
    }
    return out;
  }

  private record Entry(String name, long[] shape, long begin, long end) {}

  private static Entry entry(String file, String name, JsonNode node, long buffer) throws IOException {
    String what = file + ": tensor '" + name + "'";
    if (!node.isObject()) {
      throw new IOException(what + " is not described by a JSON object");
    }
    JsonNode dtype = node.path("dtype");
    if (!dtype.isTextual()) {
      throw new IOException(what + " has no dtype");
    }
    if (!dtype.asText().equals("F32")) {
      throw new IOException(what + " has dtype " + dtype.asText() + "; only F32 is supported");
    }
    long[] shape = naturals(what, node.path("shape"), "shape", -1);
    long[] offsets = naturals(what, node.path("data_offsets"), "data_offsets", 2);
    if (offsets[0] > offsets[1] || offsets[1] > buffer) {
      throw new IOException(what + ": data_offsets " + Arrays.toString(offsets) + " lie outside the "
          + buffer + "-byte data buffer (truncated or damaged)");
    }
    long bytes;
    try {
      bytes = 4 * Arrays.stream(shape).reduce(1, Math::multiplyExact);
    } catch (ArithmeticException e) {
      bytes = -1;
    }
    if (bytes != offsets[1] - offsets[0]) {
      throw new IOException(what + ": shape " + Arrays.toString(shape) + " does not match data_offsets "
          + Arrays.toString(offsets) + " (" + (offsets[1] - offsets[0]) + " bytes)");
    }
    return new Entry(name, shape, offsets[0], offsets[1]);
  }

  /** Non-negative integers, {@code count} of them unless it is -1. */
  private static long[] naturals(String what, JsonNode node, String field, int count) throws IOException {
    if (!node.isArray() || (count >= 0 && node.size() != count)) {
      throw new IOException(what + ": " + field + " is not an array" + (count >= 0 ? " of " + count : ""));
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
        throw new IOException(what + ": " + field + " holds " + v + ", not a non-negative integer");
      }
      out[i] = v.asLong();
    }
    return out;
  }

  private static void checkMetadata(String file, JsonNode node) throws IOException {
    if (!node.isObject()) {
      throw new IOException(file + ": " + METADATA + " is not a JSON object");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new IOException(file + ": " + METADATA + "." + e.getKey() + " is not a string");
      }
    }
  }

  /** The tensors must tile the buffer exactly: no overlap, no gap, nothing after the last. */
  private static void checkLayout(String file, List<Entry> entries, long buffer) throws IOException {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long at = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin < at) {
        throw new IOException(file + ": tensors '" + previous.name + "' and '" + e.name
            + "' overlap (data_offsets " + previous.begin + ".." + previous.end + " and " + e.begin + ".." + e.end + ")");
      }
      if (e.begin > at) {
        throw new IOException(file + ": " + (e.begin - at) + " bytes before tensor '" + e.name
            + "' belong to no tensor (data_offsets must be contiguous)");
      }
      at = e.end;
      previous = e;
    }
    if (at != buffer) {
      throw new IOException(file + ": " + (buffer - at) + " bytes after the last tensor belong to no tensor"
          + " (trailing data, or a damaged header)");
    }
  }
}
