package dev.engram.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.IncompatibleStoreException;
import dev.engram.MemoryStore;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The same default model as the embedded store: a new store gets e5-small-v2; a store built with
 * bge-small-en-v1.5, the default before, reopens with bge under default settings, and a model the
 * user names explicitly is still checked against the store.
 */
@EnabledIfEnvironmentVariable(
    named = OpenSearchContractTest.URL_VARIABLE,
    matches = ".+",
    disabledReason =
        "no OpenSearch node: run scripts/opensearch start and set ENGRAM_OPENSEARCH_URL")
class OpenSearchDefaultModelTest {
  private static final Scope ALICE = Scope.user("alice");
  private static final List<String> FACTS =
      List.of(
          "I am allergic to peanuts",
          "My dog is called Pastel",
          "I work as a nurse at the city hospital",
          "I commute by bike");

  private final String prefix = "test-model-" + UUID.randomUUID();

  private OpenSearchMemory.Builder store() {
    return OpenSearchMemory.builder().url(OpenSearchContractTest.url()).indexPrefix(prefix);
  }

  @AfterEach
  void deleteTheStore() {
    store().deleteStore();
  }

  private static String best(MemoryStore store, String query) {
    return store.search(SearchRequest.builder(ALICE, query).reinforce(false).build()).get(0).text();
  }

  private void buildWithBge() {
    try (MemoryStore store =
        Engram.builder().backend(store().embedder(OnnxEmbedders.bgeSmallEn()).backend()).build()) {
      FACTS.forEach(f -> store.add(ALICE, f));
    }
  }

  @Test
  void aNewStore_recordsE5() {
    assertEquals(Optional.empty(), store().recordedModel(), "no store yet, and none created");
    try (MemoryStore store = store().open()) {
      FACTS.forEach(f -> store.add(ALICE, f));
      assertEquals("I am allergic to peanuts", best(store, "what should I not eat?"));
    }
    assertEquals(Optional.of(OnnxEmbedders.E5_SMALL_V2_ID), store().recordedModel());
  }

  @Test
  void aStoreBuiltWithBge_reopensWithBge_underDefaultSettings() {
    buildWithBge();
    try (MemoryStore store = store().open()) {
      assertEquals("My dog is called Pastel", best(store, "do I have any pets?"));
      store.add(ALICE, "I play tennis every Saturday");
      assertEquals("I play tennis every Saturday", best(store, "which sport do I do?"));
    }
    assertEquals(Optional.of(OnnxEmbedders.BGE_SMALL_EN_ID), store().recordedModel());
  }

  @Test
  void anExplicitlyNamedOtherModel_isStillRefused() {
    buildWithBge();
    IncompatibleStoreException e =
        assertThrows(
            IncompatibleStoreException.class,
            () -> store().embedder(OnnxEmbedders.e5SmallV2()).backend());
    assertTrue(
        e.getMessage()
            .contains(
                "was built with embedding model bge-small-en-v1.5-q (384 dimensions) but was"
                    + " opened with e5-small-v2-q (384 dimensions)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("engram import"), e.getMessage());
    assertEquals(Optional.of(OnnxEmbedders.BGE_SMALL_EN_ID), store().recordedModel());
  }

  @Test
  void aLexicalOnlyStore_recordsNone() {
    try (MemoryStore store = store().lexicalOnly().open()) {
      store.add(ALICE, "I am allergic to peanuts");
    }
    assertEquals(Optional.of("none"), store().recordedModel());
  }
}
