package dev.perceval.policy.world;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/** Conversions between Java2D images and the CHW float layout the model reads. */
public final class Images {
  private Images() {}

  public static float[] toChw(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
    float[] out = new float[3 * w * h];
    int plane = w * h;
    for (int i = 0; i < plane; i++) {
      int p = argb[i];
      out[i] = ((p >> 16) & 0xFF) / 255f;
      out[plane + i] = ((p >> 8) & 0xFF) / 255f;
      out[2 * plane + i] = (p & 0xFF) / 255f;
    }
    return out;
  }

  public static BufferedImage fromChw(float[] chw, int size) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    int plane = size * size;
    int[] rgb = new int[plane];
    for (int i = 0; i < plane; i++) {
      rgb[i] = (byte8(chw[i]) << 16) | (byte8(chw[plane + i]) << 8) | byte8(chw[2 * plane + i]);
    }
    img.setRGB(0, 0, size, size, rgb, 0, size);
    return img;
  }

  /** Bilinear resize to a square of {@code size}; returns the input when it already fits. */
  public static BufferedImage resize(BufferedImage img, int size) {
    if (img.getWidth() == size && img.getHeight() == size && img.getType() == BufferedImage.TYPE_INT_RGB) {
      return img;
    }
    BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, 0, 0, size, size, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static int byte8(float v) {
    return Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
  }
}
