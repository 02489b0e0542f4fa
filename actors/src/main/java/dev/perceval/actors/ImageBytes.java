package dev.perceval.actors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Pixels in messages: float32 little-endian bytes, a quarter the size of a JSON/CBOR number array. */
public final class ImageBytes {
  private ImageBytes() {}

  /** An image refused for what it is (format, size), as opposed to one the codec failed on. */
  private static final class Refused extends IllegalArgumentException {
    Refused(String message) {
      super(message);
    }
  }

  public static byte[] encode(float[] pixels) {
    ByteBuffer b = ByteBuffer.allocate(pixels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(pixels);
    return b.array();
  }

  /**
   * A PNG or JPEG scaled to {@code size} x {@code size}, as the policy's channel-first pixels.
   * Its width and height are read from the header first: one over {@code maxSide} is refused
   * before a pixel is decoded, so a small file cannot ask for gigabytes.
   */
  public static float[] fromEncoded(byte[] encoded, int size, int maxSide) {
    java.awt.image.BufferedImage img;
    // In memory: ImageIO's default stream caches to a temporary file.
    try (javax.imageio.stream.ImageInputStream in = new javax.imageio.stream.MemoryCacheImageInputStream(
        new java.io.ByteArrayInputStream(encoded))) {
      java.util.Iterator<javax.imageio.ImageReader> readers = javax.imageio.ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new Refused("the image is not a PNG or JPEG");
      }
      javax.imageio.ImageReader reader = readers.next();
      String format = reader.getFormatName().toLowerCase(java.util.Locale.ROOT);
      if (!format.equals("png") && !format.equals("jpeg")) {
        throw new Refused("the image is " + format + ", not a PNG or JPEG");
      }
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w < 1 || h < 1 || w > maxSide || h > maxSide) {
          throw new Refused("the image is " + w + " x " + h + " pixels; each side must be in 1.."
              + maxSide + " (perceval.tts.max-image-side)");
        }
        img = reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (Refused e) {
      throw e;
    } catch (java.io.IOException | RuntimeException e) {
      // A truncated or corrupt file fails inside the codec with whatever it throws.
      throw new IllegalArgumentException("the image cannot be read: " + e.getClass().getSimpleName()
          + (e.getMessage() != null ? ": " + e.getMessage() : ""), e);
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
