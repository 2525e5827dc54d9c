package dev.engram.examples.cli;

import static dev.engram.examples.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line uses the model a store was built with: a store built with bge-small-en-v1.5 (the
 * default before e5-small-v2) is searched with bge, not refused; a new store gets e5; {@code
 * reindex} moves an old store to e5.
 */
class StoreModelCliTest {
  @TempDir Path dir;

  @Test
  void aStoreBuiltWithBge_isSearchedWithBge_andReindexMovesItToE5() {
    Path old = dir.resolve("old");
    try (MemoryStore store =
        Engram.builder()
            .backend(EmbeddedMemory.backend(old).embedder(OnnxEmbedders.bgeSmallEn()).build())
            .build()) {
      store.add(Scope.user("me"), "I am allergic to peanuts");
      store.add(Scope.user("me"), "My dog is called Pastel");
    }
    Stores stores = new Stores(Map.of());
    assertEquals(OnnxEmbedders.BGE_SMALL_EN_ID, stores.embedderFor(old).modelId());
    CliRun search = run(stores, "search", "--store", old.toString(), "do I have any pets?");
    assertEquals(0, search.code(), search.err());
    assertTrue(search.out().contains("My dog is called Pastel"), search.out());

    CliRun reindex = run("reindex", "--store", old.toString());
    assertEquals(0, reindex.code(), reindex.err());
    assertEquals(Optional.of(OnnxEmbedders.E5_SMALL_V2_ID), EmbeddedMemory.recordedModel(old));
    CliRun again = run("search", "--store", old.toString(), "do I have any pets?");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("My dog is called Pastel"), again.out());
  }

  @Test
  void aNewStore_getsE5() {
    Path fresh = dir.resolve("fresh");
    CliRun add = run("add", "--store", fresh.toString(), "I commute by bike");
    assertEquals(0, add.code(), add.err());
    assertEquals(Optional.of(OnnxEmbedders.E5_SMALL_V2_ID), EmbeddedMemory.recordedModel(fresh));
  }
}
