package dev.engram.embeddings.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.IncompatibleStoreException;
import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.EmbeddedMemory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new store gets e5-small-v2; a store built with bge-small-en-v1.5, the default before, reopens
 * with bge under default settings (neither refused nor re-embedded), and a model the user names
 * explicitly is still checked against the store.
 */
class DefaultModelTest {
  private static final Scope ALICE = Scope.user("alice");
  private static final List<String> FACTS =
      List.of(
          "I am allergic to peanuts",
          "My dog is called Pastel",
          "I work as a nurse at the city hospital",
          "I commute by bike");

  @TempDir Path dir;

  private static String best(MemoryStore store, String query) {
    return store.search(SearchRequest.builder(ALICE, query).reinforce(false).build()).get(0).text();
  }

  @Test
  void aNewStore_recordsE5() {
    try (MemoryStore store = EmbeddedMemory.open(dir)) {
      FACTS.forEach(f -> store.add(ALICE, f));
      assertEquals("I am allergic to peanuts", best(store, "what should I not eat?"));
    }
    assertEquals(Optional.of(OnnxEmbedders.E5_SMALL_V2_ID), EmbeddedMemory.recordedModel(dir));
  }

  @Test
  void aStoreBuiltWithBge_reopensWithBge_underDefaultSettings() {
    try (MemoryStore store =
        Engram.builder()
            .backend(EmbeddedMemory.backend(dir).embedder(OnnxEmbedders.bgeSmallEn()).build())
            .build()) {
      FACTS.forEach(f -> store.add(ALICE, f));
    }
    try (MemoryStore store = EmbeddedMemory.open(dir)) {
      assertEquals("My dog is called Pastel", best(store, "do I have any pets?"));
      store.add(ALICE, "I play tennis every Saturday");
      assertEquals("I play tennis every Saturday", best(store, "which sport do I do?"));
    }
    try (MemoryStore store = EmbeddedMemory.openReadOnly(dir)) {
      assertEquals("I am allergic to peanuts", best(store, "what should I not eat?"));
    }
    assertEquals(Optional.of(OnnxEmbedders.BGE_SMALL_EN_ID), EmbeddedMemory.recordedModel(dir));
  }

  @Test
  void anExplicitlyNamedOtherModel_isStillRefused_andReindexMovesTheStoreToTheDefault() {
    try (MemoryStore store =
        Engram.builder()
            .backend(EmbeddedMemory.backend(dir).embedder(OnnxEmbedders.bgeSmallEn()).build())
            .build()) {
      FACTS.forEach(f -> store.add(ALICE, f));
    }
    IncompatibleStoreException e =
        assertThrows(
            IncompatibleStoreException.class,
            () -> EmbeddedMemory.backend(dir).embedder(OnnxEmbedders.e5SmallV2()).build());
    assertTrue(
        e.getMessage()
            .contains(
                "was built with embedding model bge-small-en-v1.5-q (384 dimensions) but was"
                    + " opened with e5-small-v2-q (384 dimensions)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("EmbeddedMemory.reindex"), e.getMessage());

    assertEquals(FACTS.size(), EmbeddedMemory.reindex(dir, EmbeddedMemory.backend(dir)));
    assertEquals(Optional.of(OnnxEmbedders.E5_SMALL_V2_ID), EmbeddedMemory.recordedModel(dir));
    try (MemoryStore store = EmbeddedMemory.open(dir)) {
      assertEquals("I commute by bike", best(store, "how do I get to the office?"));
    }
  }
}
