package dev.perceval.actors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Pixels in messages: float32 little-endian bytes, a quarter the size of a JSON/CBOR number array. */
public final class ImageBytes {
  private ImageBytes() {}

  public static byte[] encode(float[] pixels) {
    ByteBuffer b = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(pixels);
    return b.array();
  }

  public static float[] decode(byte[] bytes) {
    if (bytes.length % 4 != 0) {
      throw new IllegalArgumentException("image bytes must be float32 values, got " + bytes.length + " bytes");
    }
    float[] out = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }
}
