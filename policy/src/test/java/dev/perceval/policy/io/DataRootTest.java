package dev.perceval.policy.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataRootTest {
  @TempDir Path dir;

  @Test
  void pathsInsideResolveToAbsoluteOnes() throws Exception {
    Path rootDir = Files.createDirectories(dir.resolve("root"));
    DataRoot root = new DataRoot(rootDir);
    assertEquals(rootDir.resolve("runs/a").toString(), root.resolve("out", "runs/a"));
    assertEquals(rootDir.resolve("b").toString(), root.resolve("out", "runs/../b"));
    assertEquals(rootDir.resolve("c").toString(), root.resolve("policy", rootDir.resolve("c").toString()));
  }

  @Test
  void pathsOutsideAreRefusedInTheSameWordsWhetherOrNotTheyExist() throws Exception {
    Path rootDir = Files.createDirectories(dir.resolve("root"));
    Files.createDirectories(dir.resolve("secret"));
    DataRoot root = new DataRoot(rootDir);
    String there = assertThrows(IllegalArgumentException.class, () -> root.resolve("policy", "../secret"))
        .getMessage();
    String absent = assertThrows(IllegalArgumentException.class, () -> root.resolve("policy", "../absent"))
        .getMessage();
    assertEquals("policy: '../secret' is not under this node's data root (perceval.node.data-root); name a path"
        + " inside it", there);
    assertEquals(there.replace("secret", "absent"), absent);
    assertThrows(IllegalArgumentException.class, () -> root.resolve("out", dir.resolve("secret").toString()));
    assertThrows(IllegalArgumentException.class, () -> root.resolve("out", "/etc"));
    assertThrows(IllegalArgumentException.class, () -> root.resolve("out", "a\0b"));
  }

  @Test
  void aLinkThatLeadsOutIsRefusedEvenForAPathBeneathIt() throws Exception {
    Path rootDir = Files.createDirectories(dir.resolve("root"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createSymbolicLink(rootDir.resolve("link"), outside);
    DataRoot root = new DataRoot(rootDir);
    assertThrows(IllegalArgumentException.class, () -> root.resolve("policy", "link"));
    assertThrows(IllegalArgumentException.class, () -> root.resolve("out", "link/new/run"));
    Files.createDirectories(rootDir.resolve("real"));
    Files.createSymbolicLink(rootDir.resolve("inside"), rootDir.resolve("real"));
    assertEquals(rootDir.resolve("inside/x").toString(), root.resolve("out", "inside/x"));
  }

  @Test
  void theNodesOwnFilesAreRefusedThoughTheyLieUnderTheRoot() throws Exception {
    Path rootDir = Files.createDirectories(dir.resolve("root"));
    Path journal = Files.createDirectories(rootDir.resolve("runs/node"));
    Files.createSymbolicLink(rootDir.resolve("alias"), journal);
    DataRoot root = new DataRoot(rootDir).reserving(java.util.List.of(journal, rootDir.resolve("tokens")));
    for (String[] c : new String[][] {{"out", "runs/node"}, {"out", "runs/node/checkpoints"}, {"out", "runs"},
        {"out", "alias/x"}, {"policy", "tokens"}, {"out", "."}}) {
      String m = assertThrows(IllegalArgumentException.class, () -> root.resolve(c[0], c[1])).getMessage();
      assertEquals(c[0] + ": '" + c[1] + "' is or holds this node's own files (its journal, keys or tokens); name"
          + " another path under the data root", m);
    }
    assertEquals(rootDir.resolve("runs/c0001-x").toString(), root.resolve("out", "runs/c0001-x"));
    assertEquals(rootDir.resolve("tokens2").toString(), root.resolve("policy", "tokens2"));
  }
}
