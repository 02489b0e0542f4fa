package dev.perceval.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryTest {
  @Test
  void buildsByNameAndNamesWhatItKnowsWhenAskedForAnUnknownOne() {
    Registry<Integer, String> r = new Registry<Integer, String>("greeting")
        .register("hello", n -> "hello x" + n)
        .register("bye", n -> "bye x" + n);
    assertEquals("bye x3", r.create("bye", 3));
    assertEquals(List.of("hello", "bye"), r.names());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.create("hi", 1));
    assertEquals("unknown greeting 'hi' (known: hello, bye)", e.getMessage());
    assertThrows(IllegalStateException.class, () -> r.register("bye", n -> ""));
    assertTrue(r.contains("hello"));
  }
}
