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

  /** A PNG or JPEG scaled to {@code size} x {@code size}, as the policy's channel-first pixels. */
  public static float[] fromEncoded(byte[] encoded, int size) {
    java.awt.image.BufferedImage img;
    try {
      img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(encoded));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("the image cannot be read: " + e.getMessage(), e);
    }
    if (img == null) {
      throw new IllegalArgumentException("the image is not a PNG or JPEG");
    }
    java.awt.image.BufferedImage scaled = new java.awt.image.BufferedImage(size, size,
        java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = scaled.createGraphics();
    g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, size, size, null);
    g.dispose();
    return dev.perceval.policy.world.Images.toChw(scaled);
  }

  /** Pixels sent as float32 bytes, refused unless they are a {@code size} x {@code size} RGB image. */
  public static float[] pixels(byte[] bytes, int size) {
    float[] pixels = decode(bytes);
    if (pixels.length != 3 * size * size) {
      throw new IllegalArgumentException("image has " + pixels.length + " values, the model expects 3 x " + size
          + " x " + size);
    }
    return pixels;
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
