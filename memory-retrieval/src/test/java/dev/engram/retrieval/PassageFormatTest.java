package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.IncompatibleStoreException;
import dev.engram.MemoryStore;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The words a store adds around each memory are the store's choice, not always English. */
class PassageFormatTest {
  private static final Scope ALICE = Scope.user("alice");

  @TempDir Path dir;

  private MemoryStore open(PassageFormat format) {
    return Engram.builder()
        .backend(
            EmbeddedMemory.backend(dir).embedder(new HashEmbedder()).passageFormat(format).build())
        .build();
  }

  private static List<String> lexicalHits(MemoryStore s, String query) {
    return s
        .search(SearchRequest.builder(ALICE, query).explain(true).reinforce(false).build())
        .stream()
        .filter(h -> h.explanation().signals().getOrDefault("bm25", 0.0) > 0)
        .map(h -> h.text())
        .toList();
  }

  private static void addSaid(MemoryStore s) {
    s.add(
        AddRequest.builder(ALICE)
            .message(Message.user("我养了一只狗").withName("Caroline"))
            .observedAt(Instant.parse("2023-05-08T13:56:00Z"))
            .build());
  }

  @Test
  void theEnglishDefault_datesAndAttributesInEnglish() {
    try (MemoryStore s = open(PassageFormat.english())) {
      addSaid(s);
      assertEquals(List.of("我养了一只狗"), lexicalHits(s, "Caroline said May"));
    }
  }

  @Test
  void anotherFormat_addsNoEnglishWords() {
    PassageFormat chinese =
        new PassageFormat(
            "zh", Locale.CHINESE, "yyyy年M月d日", "{date}，{speaker}说：{text}", "{date}：{text}", "关键词：");
    try (MemoryStore s = open(chinese)) {
      addSaid(s);
      assertEquals(List.of(), lexicalHits(s, "said May"), "English words were added");
      assertEquals(List.of("我养了一只狗"), lexicalHits(s, "Caroline"));
    }
  }

  @Test
  void aStoreRefusesAnotherFormat_andReindexSwitchesIt() {
    try (MemoryStore s = open(PassageFormat.english())) {
      addSaid(s);
    }
    IncompatibleStoreException e =
        assertThrows(IncompatibleStoreException.class, () -> open(PassageFormat.plain()));
    assertTrue(
        e.getMessage().contains("was built with passage format english but was opened with plain"),
        e.getMessage());
    EmbeddedMemory.reindex(
        dir,
        EmbeddedMemory.backend(dir)
            .embedder(new HashEmbedder())
            .passageFormat(PassageFormat.plain()));
    try (MemoryStore s = open(PassageFormat.plain())) {
      assertEquals(List.of(), lexicalHits(s, "said May"));
    }
  }

  @Test
  void badParts_areRefusedNamingThem() {
    assertEquals(
        "withSpeaker must contain {speaker} and {text}, got '{text}'",
        assertThrows(
                IllegalArgumentException.class,
                () -> new PassageFormat("x", Locale.ROOT, "yyyy", "{text}", "{text}", ""))
            .getMessage());
    assertEquals(
        "withoutSpeaker must contain {text}, got 'On {date}'",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    new PassageFormat(
                        "x", Locale.ROOT, "yyyy", "{speaker}: {text}", "On {date}", ""))
            .getMessage());
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    new PassageFormat(
                        "x", Locale.ROOT, "yyyy-QQQQQQ", "{speaker}: {text}", "{text}", ""))
            .getMessage()
            .startsWith("datePattern 'yyyy-QQQQQQ' is not a DateTimeFormatter pattern"));
    assertEquals(
        "name must be 1 to 64 lower-case letters, digits or . _ -, got 'Chinese'",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    new PassageFormat(
                        "Chinese", Locale.ROOT, "yyyy", "{speaker}: {text}", "{text}", ""))
            .getMessage());
  }
}
