package dev.perceval.policy.world;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Tasks as files: {@code images/NNNNNN.png} plus {@code data.jsonl}, one task per line with
 * {@code image, question, answer} and optionally {@code id, world, family, response, facts}.
 */
public final class DatasetIo {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DatasetIo() {}

  /** Writes into a temporary sibling and renames it into place: all or nothing. */
  public static void export(List<Task> tasks, Path outDir) {
    Path out = outDir.toAbsolutePath().normalize();
    try {
      if (Files.exists(out)) {
        try (Stream<Path> s = Files.list(out)) {
          if (s.findAny().isPresent()) {
            throw new IllegalArgumentException("output directory " + outDir + " exists and is not empty");
          }
        }
        Files.delete(out);
      }
      Files.createDirectories(out.getParent());
      Path tmp = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".tmp-");
      try {
        Files.createDirectory(tmp.resolve("images"));
        try (BufferedWriter w = Files.newBufferedWriter(tmp.resolve("data.jsonl"))) {
          for (int i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            String image = String.format("images/%06d.png", i);
            ImageIO.write(Images.fromChw(t.image(), t.imageSize()), "png", tmp.resolve(image).toFile());
            w.write(JSON.writeValueAsString(toJson(t, image)));
            w.write('\n');
          }
        }
        Files.move(tmp, out);
      } catch (IOException | RuntimeException e) {
        deleteTree(tmp);
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export to " + outDir + ": " + e.getMessage(), e);
    }
  }

  private static ObjectNode toJson(Task t, String image) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", t.id());
    o.put("world", t.world());
    o.put("family", t.family());
    o.put("image", image);
    o.put("question", t.question());
    o.put("answer", t.answer());
    if (t.goldResponse() != null) {
      o.put("response", t.goldResponse());
    }
    ArrayNode facts = o.putArray("facts");
    for (Fact f : t.facts()) {
      ObjectNode fo = facts.addObject();
      fo.put("kind", f.kind());
      fo.put("value", f.value());
      fo.put("colour", f.colour());
      if (f.size() != null) {
        fo.put("size", f.size());
      }
      fo.put("row", f.row());
      fo.put("col", f.col());
    }
    return o;
  }

  /** Reads a JSONL dataset; images of another size are resized to {@code imageSize}. */
  public static List<Task> load(Path jsonl, int imageSize) {
    String name = jsonl.getFileName().toString();
    if (!Files.isRegularFile(jsonl)) {
      throw new DatasetException(jsonl + ": no such file");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(jsonl);
    } catch (IOException e) {
      throw new DatasetException(jsonl + ": cannot read (" + e.getMessage() + ")");
    }
    Path base = jsonl.toAbsolutePath().getParent();
    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (!line.isEmpty()) {
        tasks.add(parseLine(name + ":" + (i + 1), line, base, imageSize));
      }
    }
    if (tasks.isEmpty()) {
      throw new DatasetException(name + ": the file holds no tasks");
    }
    return tasks;
  }

  private static Task parseLine(String where, String line, Path base, int imageSize) {
    JsonNode o;
    try {
      o = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      // Jackson appends a copy of the source to some messages; the line number already says where.
      String why = e.getOriginalMessage().replaceAll("\\s*\\(start marker at \\[Source:.*", "")
          .replaceAll("\\s*at \\[Source:.*", "").strip();
      throw new DatasetException(where + ": malformed JSON (" + why + ")");
    }
    if (!o.isObject()) {
      throw new DatasetException(where + ": expected a JSON object");
    }
    String image = text(o, "image", where, true);
    String question = text(o, "question", where, true);
    String answer = text(o, "answer", where, true);
    Path path = base.resolve(image);
    if (!Files.isRegularFile(path)) {
      throw new DatasetException(where + ": image '" + image + "' not found");
    }
    BufferedImage img;
    try {
      img = ImageIO.read(path.toFile());
    } catch (IOException e) {
      img = null;
    }
    if (img == null) {
      throw new DatasetException(where + ": cannot decode image '" + image + "' (not a PNG or JPEG)");
    }
    List<Fact> facts = new ArrayList<>();
    JsonNode fs = o.path("facts");
    if (!fs.isMissingNode() && !fs.isNull()) {
      if (!fs.isArray()) {
        throw new DatasetException(where + ": 'facts' must be an array");
      }
      for (JsonNode f : fs) {
        facts.add(fact(f, where));
      }
    }
    String id = o.hasNonNull("id") ? o.get("id").asText() : where;
    return new Task(id, o.path("world").asText("user"), o.path("family").asText(null), question,
        o.hasNonNull("response") ? o.get("response").asText() : null, answer, facts,
        Images.toChw(Images.resize(img, imageSize)), imageSize);
  }

  private static Fact fact(JsonNode f, String where) {
    String kind = text(f, "kind", where, true);
    String value = text(f, "value", where, true);
    String colour = text(f, "colour", where, true);
    String size = text(f, "size", where, false);
    if (!f.path("row").isInt() || !f.path("col").isInt()) {
      throw new DatasetException(where + ": a fact needs integer 'row' and 'col' (0..2)");
    }
    try {
      return new Fact(kind, value, colour, size, f.get("row").asInt(), f.get("col").asInt());
    } catch (IllegalArgumentException e) {
      throw new DatasetException(where + ": bad fact (" + e.getMessage() + ")");
    }
  }

  private static String text(JsonNode o, String field, String where, boolean required) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new DatasetException(where + ": missing field '" + field + "'");
      }
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new DatasetException(where + ": field '" + field + "' must be a non-empty string");
    }
    return v.asText().strip();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
