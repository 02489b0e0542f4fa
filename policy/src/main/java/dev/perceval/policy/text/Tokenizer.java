package dev.perceval.policy.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Word-level tokenizer over a closed vocabulary. The task worlds emit space-separated words and
 * punctuation only, so there is no sub-word model: a word outside the vocabulary is an input
 * error, never silently mapped to an unknown token.
 */
public final class Tokenizer {
  public static final String PAD = "<pad>";
  public static final String BOS = "<bos>";
  public static final String STOP = "</answer>";
  private static final String FORMAT = "perceval-wordlevel-1";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> words;
  private final Map<String, Integer> ids;

  private Tokenizer(List<String> words) {
    this.words = List.copyOf(words);
    this.ids = new HashMap<>();
    for (int i = 0; i < words.size(); i++) {
      if (ids.put(words.get(i), i) != null) {
        throw new IllegalArgumentException("duplicate word in vocabulary: '" + words.get(i) + "'");
      }
    }
    if (!PAD.equals(words.get(0)) || !BOS.equals(words.get(1)) || !ids.containsKey(STOP)) {
      throw new IllegalArgumentException("vocabulary must start with <pad>, <bos> and contain </answer>");
    }
  }

  /** Specials first, then the words sorted, so the same word set always gives the same ids. */
  public static Tokenizer of(Collection<String> vocabulary) {
    TreeSet<String> sorted = new TreeSet<>(vocabulary);
    sorted.remove(PAD);
    sorted.remove(BOS);
    sorted.add(STOP);
    List<String> all = new ArrayList<>();
    all.add(PAD);
    all.add(BOS);
    all.addAll(sorted);
    return new Tokenizer(all);
  }

  public int size() {
    return words.size();
  }

  public int pad() {
    return 0;
  }

  public int bos() {
    return 1;
  }

  public int stop() {
    return ids.get(STOP);
  }

  public boolean contains(String word) {
    return ids.containsKey(word);
  }

  public int id(String word) {
    Integer id = ids.get(word);
    if (id == null) {
      throw new IllegalArgumentException(
          "word '" + word + "' is not in the vocabulary (" + words.size() + " words)");
    }
    return id;
  }

  public String word(int id) {
    if (id < 0 || id >= words.size()) {
      throw new IllegalArgumentException(
          "token id " + id + " is outside the vocabulary [0, " + words.size() + ")");
    }
    return words.get(id);
  }

  public List<String> vocabulary() {
    return words;
  }

  public int[] encode(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      return new int[0];
    }
    String[] parts = trimmed.split("\\s+");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = id(parts[i]);
    }
    return out;
  }

  /** The prompt the policy conditions on: {@code <bos>} then the question. */
  public int[] prompt(String question) {
    int[] q = encode(question);
    int[] out = new int[q.length + 1];
    out[0] = bos();
    System.arraycopy(q, 0, out, 1, q.length);
    return out;
  }

  public List<String> words(int[] ids) {
    List<String> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(word(id));
    }
    return out;
  }

  public String decode(int[] ids) {
    return String.join(" ", words(ids));
  }

  public void save(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    ArrayNode arr = root.putArray("words");
    words.forEach(arr::add);
    Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
  }

  public static Tokenizer load(Path file) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException("tokenizer " + file + ": not valid JSON (" + e.getMessage() + ")", e);
    }
    if (root == null || !FORMAT.equals(root.path("format").asText())) {
      throw new IOException("tokenizer " + file + ": expected format '" + FORMAT + "'");
    }
    List<String> words = new ArrayList<>();
    root.path("words").forEach(n -> words.add(n.asText()));
    try {
      return new Tokenizer(words);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new IOException("tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tokenizer t && t.words.equals(words);
  }

  @Override
  public int hashCode() {
    return words.hashCode();
  }
}
