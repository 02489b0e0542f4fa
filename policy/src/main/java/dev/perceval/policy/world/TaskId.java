package dev.perceval.policy.world;

/** The address of a generated task: enough to rebuild its pixels and text on any node. */
public record TaskId(String world, Split split, long seed, long index) {
  @Override
  public String toString() {
    return world + ":" + split.label() + ":" + seed + ":" + index;
  }

  public static TaskId parse(String s) {
    String[] parts = s == null ? new String[0] : s.strip().split(":");
    if (parts.length != 4) {
      throw new IllegalArgumentException("malformed task id '" + s + "' (expected world:split:seed:index)");
    }
    try {
      long index = Long.parseLong(parts[3]);
      if (index < 0) {
        throw new IllegalArgumentException("malformed task id '" + s + "': negative index");
      }
      return new TaskId(parts[0], Split.parse(parts[1]), Long.parseLong(parts[2]), index);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed task id '" + s + "': seed and index must be integers");
    }
  }
}
