package dev.perceval.policy.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {
  @TempDir Path tmp;

  private final Tokenizer tok = Tokenizer.of(List.of("red", "3", "at", "top", "left", ".",
      "<think>", "</think>", "<answer>", "</answer>", "blue", "?"));

  @Test
  void encodeDecodeRoundTrip() {
    String text = "<think> red 3 at top left . </think> <answer> 3 </answer>";
    int[] ids = tok.encode(text);
    assertEquals(11, ids.length);
    assertEquals(text, tok.decode(ids));
    assertEquals(text, tok.decode(tok.encode("  " + text.replace(" ", "   ") + "\n")));
    assertEquals(tok.stop(), ids[ids.length - 1]);
    assertArrayEquals(new int[] {tok.bos(), tok.id("red"), tok.id("?")}, tok.prompt("red ?"));
  }

  @Test
  void idsAreStableAndSpecialsComeFirst() {
    Tokenizer again = Tokenizer.of(List.of("?", "blue", "</answer>", "<answer>", "</think>",
        "<think>", ".", "left", "top", "at", "3", "red", "red"));
    assertEquals(tok, again);
    assertEquals("<pad>", tok.word(0));
    assertEquals("<bos>", tok.word(1));
  }

  @Test
  void unknownWordsAndIdsAreClearErrors() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.encode("red dragon"));
    assertEquals("word 'dragon' is not in the vocabulary (14 words)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {99}));
    assertTrue(e.getMessage().contains("outside the vocabulary"));
  }

  @Test
  void saveLoadRoundTripAndBadFiles() throws IOException {
    Path f = tmp.resolve("tokenizer.json");
    tok.save(f);
    assertEquals(tok, Tokenizer.load(f));
    Files.writeString(f, "{\"format\":\"other\"}");
    IOException e = assertThrows(IOException.class, () -> Tokenizer.load(f));
    assertTrue(e.getMessage().contains("expected format"), e.getMessage());
    Files.writeString(f, "{not json");
    assertThrows(IOException.class, () -> Tokenizer.load(f));
  }
}
