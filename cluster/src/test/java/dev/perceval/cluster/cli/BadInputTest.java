package dev.perceval.cluster.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad input ends the command with status 2 and one line that names the problem. */
class BadInputTest {
  @TempDir static Path tmp;
  static Path ckpt;
  static final String[] TINY = {"--set", "model.d-model=16", "--set", "model.layers=1", "--set", "model.heads=2",
      "--set", "sft.batch-size=2"};

  record Run(int status, String err) {}

  static Run run(String... args) {
    StringWriter err = new StringWriter();
    int status = PercevalCli.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    return new Run(status, err.toString());
  }

  static String[] with(String[] a, String... b) {
    return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
  }

  @BeforeAll
  static void tinyCheckpoint() {
    ckpt = tmp.resolve("ckpt");
    assertEquals(0, run(with(new String[] {"sft", "--steps", "2", "--out", ckpt.toString()}, TINY)).status());
  }

  static void assertOneLineError(Run r, String expected) {
    assertEquals(2, r.status(), r.err());
    List<String> lines = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
    assertEquals(1, lines.size(), r.err());
    assertTrue(lines.get(0).contains(expected), lines.get(0));
  }

  @Test
  void malformedJsonl() throws IOException {
    Path data = tmp.resolve("bad.jsonl");
    Files.writeString(data, "{\"image\": \"a.png\", \"question\": \"q\"\n");
    assertOneLineError(run("eval", "--ckpt", ckpt.toString(), "--data", data.toString()),
        "error: bad.jsonl:1: malformed JSON (Unexpected end-of-input: expected close marker for Object)");
  }

  @Test
  void missingImage() throws IOException {
    Path data = tmp.resolve("missing.jsonl");
    Files.writeString(data, "{\"image\": \"nope.png\", \"question\": \"what digit is at top left ?\", \"answer\": \"3\"}\n");
    assertOneLineError(run("eval", "--ckpt", ckpt.toString(), "--data", data.toString()),
        "error: missing.jsonl:1: image 'nope.png' not found");
  }

  @Test
  void unknownWorldAndFamily() {
    assertOneLineError(run("data", "export", "--world", "mnist", "--n", "2", "--out", tmp.resolve("x").toString()),
        "error: unknown world 'mnist' (known: digits, shapes)");
    assertOneLineError(run("data", "export", "--set", "world.families=[product]", "--n", "2",
        "--out", tmp.resolve("y").toString()), "error: unknown question family 'product' for world digits");
    assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(tmp.resolve("y")));
  }

  @Test
  void corruptCheckpoint() throws IOException {
    Path copy = tmp.resolve("corrupt");
    assertEquals(0, run(with(new String[] {"sft", "--steps", "1", "--out", copy.toString()}, TINY)).status());
    try (RandomAccessFile f = new RandomAccessFile(copy.resolve("model.safetensors").toFile(), "rw")) {
      f.seek(64);
      f.write(0x5A);
      f.write(0xA5);
    }
    assertOneLineError(run("eval", "--ckpt", copy.toString(), "--n", "2"), "model.safetensors fails its sha-256 check");
  }

  @Test
  void badConfigValueNamesTheKey() {
    assertOneLineError(run("sft", "--steps", "-3", "--out", tmp.resolve("z").toString()),
        "error: config perceval.sft.steps must be at least 1, got -3");
    assertFalse(Files.exists(tmp.resolve("z")));
  }

  @Test
  void exportIntoANonEmptyDirectoryChangesNothing() throws IOException {
    Path dir = tmp.resolve("busy");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("notes.txt"), "keep");
    assertOneLineError(run("data", "export", "--n", "2", "--out", dir.toString()), "exists and is not empty");
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of("notes.txt"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void badCampaignSpecsNameTheProblem() throws IOException {
    Path spec = tmp.resolve("bad.conf");
    Files.writeString(spec, "policy = \"" + ckpt + "\"\nverifier = oracle\nalgorithm { alhpa = 0.2 }\n");
    assertOneLineError(run("train", "--spec", spec.toString()), "unknown key 'algorithm.alhpa'");
    Files.writeString(spec, "policy = \"" + tmp.resolve("nowhere") + "\"\nverifier = oracle\nout = \""
        + tmp.resolve("never") + "\"\n");
    assertOneLineError(run("train", "--spec", spec.toString()), "nowhere: no such directory");
    assertFalse(Files.exists(tmp.resolve("never")), "a failed campaign must not leave its directory");
    Files.writeString(spec, "policy = \"" + ckpt + "\"\nverifier = oracle\nsteps = 0\n");
    assertOneLineError(run("train", "--spec", spec.toString()), "steps must be at least 1, got 0");
  }

  @Test
  void aTinyCampaignRunsAndResumes() throws IOException {
    Path out = tmp.resolve("campaign");
    Path spec = tmp.resolve("tiny.conf");
    Files.writeString(spec, "name = tiny\npolicy = \"" + ckpt + "\"\nverifier = oracle\nout = \"" + out + "\"\n"
        + "steps = 2\nprompts-per-step = 2\ngroup-size = 2\nrollout.max-new-tokens = 12\nrollout.overlong-buffer = 4\n"
        + "trainer { eval-n = 2, eval-every = 1, checkpoint-every = 1 }\n");
    Run first = run("train", "--spec", spec.toString(), "--with", "steps=1");
    assertEquals(0, first.status(), first.err());
    assertTrue(Files.exists(out.resolve("checkpoints/step-1/manifest.json")));
    Run rest = run("train", "--spec", spec.toString(), "--resume");
    assertEquals(0, rest.status(), rest.err());
    List<String> rows = Files.readAllLines(out.resolve("metrics.csv"));
    assertEquals(3, rows.size(), "header and one row per step, none repeated: " + rows);
    assertTrue(rows.get(1).startsWith("1,") && rows.get(2).startsWith("2,"), rows.toString());
    assertTrue(Files.exists(out.resolve("checkpoints/step-2/manifest.json")) && Files.exists(out.resolve("curves.png")));
  }

  @Test
  void nodesWithABadSeedOrABusyPortDoNotStart() throws IOException {
    assertOneLineError(run("node", "--port", "0", "--seeds", "localhost"),
        "bad seed address 'localhost' (expected host:port");
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = busy.getLocalPort();
      assertOneLineError(run("node", "--port", String.valueOf(port), "--data-dir", tmp.resolve("n1").toString()),
          "remoting port 127.0.0.1:" + port + " is not available");
      assertOneLineError(run("node", "--port", "0", "--http-port", "0", "--management-port", String.valueOf(port),
          "--data-dir", tmp.resolve("n2").toString()), "choose another with --management-port");
    }
  }
}
