package dev.perceval.policy.world;

/**
 * The cells a world places objects in, {@code rows x cols}, numbered row-major from 0; the image
 * is cut into equal bands of integer pixels, so sizes not divisible by the grid still tile it.
 */
public record Grid(int rows, int cols) {
  public Grid {
    if (rows < 1 || cols < 1) {
      throw new IllegalArgumentException("a grid needs at least one row and column, got " + rows + "x" + cols);
    }
  }

  public int cells() {
    return rows * cols;
  }

  public int cell(int row, int col) {
    return row * cols + col;
  }

  /** The cell a fact sits in. */
  public int cell(Fact f) {
    return cell(f.row(), f.col());
  }

  public int row(int cell) {
    return cell / cols;
  }

  public int col(int cell) {
    return cell % cols;
  }

  /** The cell under pixel (x, y) of a {@code size x size} image; the last band takes the rounding. */
  public int cellAt(int x, int y, int size) {
    return cell(Math.min(rows - 1, y * rows / size), Math.min(cols - 1, x * cols / size));
  }

  /** Integer pixel bounds {x0, y0, x1, y1} of a cell of a {@code size x size} image. */
  public int[] bounds(int row, int col, int size) {
    return new int[] {col * size / cols, row * size / rows, (col + 1) * size / cols, (row + 1) * size / rows};
  }
}
