package dev.engram.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.memory.Memory;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Issue 15, item 5: text that is not valid Unicode and times outside what can be stored are
 * rejected with one clear error naming the field, instead of being changed or failing later.
 */
class InputValidationTest {
  private static final Scope ALICE = Scope.user("alice");

  private static String error(Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }

  @Test
  void aLoneSurrogate_isRejectedNamingTheField_insteadOfBeingStoredAsAReplacementCharacter() {
    assertEquals(
        "message.text has a lone surrogate (U+D800) at index 3: it is not valid Unicode text",
        error(() -> Message.user("abc\uD800")));
    assertEquals(
        "metadata.k has a lone surrogate (U+DC00) at index 0: it is not valid Unicode text",
        error(() -> AddRequest.builder(ALICE).metadata("k", "\uDC00x")));
    assertEquals(
        "tag has a lone surrogate (U+D83D) at index 1: it is not valid Unicode text",
        error(() -> AddRequest.builder(ALICE).tag("a\uD83D")));
    assertEquals(
        "text has a lone surrogate (U+D800) at index 0: it is not valid Unicode text",
        error(() -> MemoryUpdate.builder().text("\uD800")));
    // A pair is fine.
    try (MemoryStore store = Engram.inMemory()) {
      store.add(ALICE, "a rocket \uD83D\uDE80");
      assertEquals(
          List.of("a rocket \uD83D\uDE80"),
          store.list(ALICE).items().stream().map(Memory::text).toList());
    }
  }

  @Test
  void timesOutsideWhatTheIndexHolds_areRejectedNamingTheField() {
    String range =
        " is out of range: it must lie between 1678-01-01T00:00:00Z and"
            + " 2261-12-31T23:59:59.999999999Z";
    assertEquals(
        "observedAt (" + Instant.MIN + ")" + range,
        error(() -> AddRequest.builder(ALICE).observedAt(Instant.MIN)));
    Instant yearMinus999999999 = Instant.parse("-999999999-01-01T00:00:00Z");
    assertEquals(
        "message.observedAt (" + yearMinus999999999 + ")" + range,
        error(() -> Message.user("x").withObservedAt(yearMinus999999999)));
    assertEquals(
        "validFrom (" + Instant.MAX + ")" + range,
        error(() -> MemoryUpdate.builder().validFrom(Instant.MAX)));
    assertEquals(
        "asOf (" + Instant.MAX + ")" + range,
        error(() -> SearchRequest.builder(ALICE, "q").asOf(Instant.MAX)));
    Instant year2300 = Instant.parse("2300-01-01T00:00:00Z");
    assertEquals(
        "validFrom (" + year2300 + ")" + range,
        error(() -> MemoryUpdate.builder().validFrom(year2300)));
    try (MemoryStore store = Engram.inMemory()) {
      store.add(
          AddRequest.builder(ALICE)
              .text("an old memory")
              .observedAt(Instant.parse("1678-01-01T00:00:00Z"))
              .build());
      assertEquals(1, store.stats(ALICE).total());
    }
  }

  @Test
  void metadataListsAreCheckedToo() {
    assertEquals(
        "metadata.k[] has a lone surrogate (U+D800) at index 0: it is not valid Unicode text",
        error(() -> AddRequest.builder(ALICE).metadata(Map.of("k", List.of("ok", "\uD800")))));
  }
}
