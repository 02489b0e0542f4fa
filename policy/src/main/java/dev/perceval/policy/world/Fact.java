package dev.perceval.policy.world;

import java.util.List;

/**
 * One perceivable object of a scene, and equally what a perception claim asserts about one.
 *
 * @param kind "digit" or "shape"
 * @param value the digit ("0".."9") or the shape kind ("circle", "square", ...)
 * @param size "small" / "large" for shapes, null for digits
 * @param row grid row 0..2 (top, middle, bottom)
 * @param col grid column 0..2 (left, center, right)
 */
public record Fact(String kind, String value, String colour, String size, int row, int col) {
  public static final List<String> ROWS = List.of("top", "middle", "bottom");
  public static final List<String> COLS = List.of("left", "center", "right");

  public Fact {
    if (row < 0 || row >= ROWS.size() || col < 0 || col >= COLS.size()) {
      throw new IllegalArgumentException("grid position out of range: row " + row + ", col " + col);
    }
  }

  public String position() {
    return ROWS.get(row) + " " + COLS.get(col);
  }

  public Fact withValue(String v) {
    return new Fact(kind, v, colour, size, row, col);
  }

  public Fact withColour(String c) {
    return new Fact(kind, value, c, size, row, col);
  }

  public Fact withSize(String s) {
    return new Fact(kind, value, colour, s, row, col);
  }

  /** The same object at another cell. */
  public Fact at(int r, int c) {
    return new Fact(kind, value, colour, size, r, c);
  }
}
