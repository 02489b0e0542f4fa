package dev.perceval.policy.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.perceval.policy.model.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path tmp;

  private static Map<String, Tensor> sample() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("w", new Tensor(new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.NaN, -0f, Float.MAX_VALUE}));
    t.put("b", new Tensor(new long[] {4}, new float[] {0.1f, 0.2f, 0.3f, Float.NEGATIVE_INFINITY}));
    t.put("conv", new Tensor(new long[] {2, 1, 2, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8}));
    t.put("scalar", new Tensor(new long[] {}, new float[] {42}));
    t.put("m/empty", new Tensor(new long[] {0, 5}, new float[0]));
    return t;
  }

  @Test
  void roundTripKeepsNamesShapesAndValues() throws IOException {
    Path f = tmp.resolve("model.safetensors");
    SafeTensors.write(f, sample());
    Map<String, Tensor> back = SafeTensors.read(f);
    assertEquals(List.copyOf(sample().keySet()), List.copyOf(back.keySet()));
    sample().forEach((name, t) -> {
      assertArrayEquals(t.shape(), back.get(name).shape(), name);
      assertArrayEquals(t.data(), back.get(name).data(), name);
    });
    assertArrayEquals(Files.readAllBytes(f), SafeTensors.toBytes(back), "writing is deterministic");
  }

  @Test
  void theLayoutIsTheFormatsLittleEndianHeaderThenAlignedData() throws IOException {
    byte[] bytes = SafeTensors.toBytes(sample());
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = in.getLong();
    assertEquals(0, (8 + n) % 8, "the data starts 8-byte aligned");
    String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    assertEquals(json.strip(), json.substring(0, json.strip().length()), "padding is trailing spaces");
    JsonNode header = new ObjectMapper().readTree(json);
    assertEquals("pt", header.path("__metadata__").path("format").asText());
    assertEquals("{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}", header.path("w").toString());
    assertEquals("[24,40]", header.path("b").path("data_offsets").toString());
    assertEquals("[0,5]", header.path("m/empty").path("shape").toString());
    in.position(8 + (int) n);
    assertEquals(1f, in.getFloat());
    assertEquals(-2f, in.getFloat());
    assertEquals(8 + n + 4 * (6 + 4 + 8 + 1), bytes.length, "no bytes beyond the tensors");
  }

  @Test
  void aTruncatedFileIsRefused() throws IOException {
    byte[] bytes = SafeTensors.toBytes(sample());
    Path f = tmp.resolve("model.safetensors");
    Files.write(f, Arrays.copyOf(bytes, bytes.length - 4));
    String m = assertThrows(IOException.class, () -> SafeTensors.read(f)).getMessage();
    assertTrue(m.startsWith("model.safetensors: tensor 'scalar'") && m.contains("truncated"), m);
    Files.write(f, Arrays.copyOf(bytes, 40));
    m = assertThrows(IOException.class, () -> SafeTensors.read(f)).getMessage();
    assertTrue(m.contains("header length") && m.contains("exceeds the 40-byte file"), m);
    Files.write(f, Arrays.copyOf(bytes, 5));
    m = assertThrows(IOException.class, () -> SafeTensors.read(f)).getMessage();
    assertTrue(m.equals("model.safetensors: truncated (5 bytes, too short for the header length)"), m);
  }

  @Test
  void anImplausibleHeaderLengthIsRefused() {
    byte[] bytes = SafeTensors.toBytes(sample());
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 200_000_000L);
    assertTrue(error(bytes).contains("header length 200000000 is over the limit"), error(bytes));
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
    assertTrue(error(bytes).contains("header length 18446744073709551615 is over the limit"), error(bytes));
    ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN).putLong(0, 64);
    assertTrue(error(bytes).contains("is over the limit"), "a big-endian length reads as huge: " + error(bytes));
  }

  @Test
  void anotherDtypeIsRefusedByName() {
    String m = error(file("{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
    assertEquals("weights: tensor 'w' has dtype BF16; only F32 is supported", m);
  }

  @Test
  void overlappingOffsetsAreRefused() {
    String m = error(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24));
    assertTrue(m.contains("tensors 'a' and 'b' overlap"), m);
  }

  @Test
  void everyOtherBrokenPromiseIsRefusedWithItsReason() {
    String f32 = "{\"dtype\":\"F32\",\"shape\":";
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"a\":" + f32 + "[2],\"data_offsets\":[8,16]}}", "8 bytes before tensor 'a' belong to no tensor");
    cases.put("{\"a\":" + f32 + "[2],\"data_offsets\":[0,8]}}", "8 bytes after the last tensor");
    cases.put("{\"a\":" + f32 + "[3],\"data_offsets\":[0,16]}}", "shape [3] does not match data_offsets [0, 16]");
    cases.put("{\"a\":" + f32 + "[-4],\"data_offsets\":[0,16]}}", "shape holds -4, not a non-negative integer");
    cases.put("{\"a\":" + f32 + "[4],\"data_offsets\":[0,32]}}", "lie outside the 16-byte data buffer");
    cases.put("{\"a\":" + f32 + "[4],\"data_offsets\":[0]}}", "data_offsets is not an array of 2");
    cases.put("{\"a\":" + f32 + "[4],\"data_offsets\":[0,16]},\"a\":" + f32 + "[0],\"data_offsets\":[16,16]}}",
        "Duplicate field 'a'");
    cases.put("{\"a\":{\"shape\":[4],\"data_offsets\":[0,16]}}", "tensor 'a' has no dtype");
    cases.put("{\"__metadata__\":{\"format\":1}}", "__metadata__.format is not a string");
    cases.put("[1, 2]", "header is not a JSON object");
    cases.put("{\"a\": ", "header is not valid JSON");
    cases.put("{} {}", "header is not valid JSON");
    cases.forEach((header, reason) -> {
      String m = error(file(header, 16));
      assertTrue(m.startsWith("weights: ") && m.contains(reason), header + " -> " + m);
    });
    byte[] latin1 = file("{\"\u00e9\":1}", 0);
    latin1[10] = (byte) 0xE9;
    assertEquals("weights: header is not UTF-8 text", error(latin1));
  }

  private static String error(byte[] bytes) {
    return assertThrows(IOException.class, () -> SafeTensors.fromBytes(bytes, "weights")).getMessage();
  }

  /** A file with the given header and {@code data} zero bytes after it. */
  private static byte[] file(String header, int data) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + json.length + data).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(json.length).put(json).array();
  }
}
