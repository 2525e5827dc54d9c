package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * memory-retrieval alone carries no embedding model: a store given none says which module to add
 * (or what to set), and creates nothing; one given an embedder, or lexical only, works.
 */
class DefaultEmbedderTest {
  @TempDir Path dir;

  @Test
  void withoutAnEmbedderOrTheOnnxModule_buildingSaysWhatToAdd() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> EmbeddedMemory.open(dir.resolve("s")));
    assertEquals(
        "no embedding model: add the dependency dev.engram:memory-embeddings-onnx (the in-process"
            + " default model), or give the store one with EmbeddedMemory.backend(dir).embedder(...),"
            + " or use .lexicalOnly()",
        e.getMessage());
    assertEquals(false, Files.exists(dir.resolve("s").resolve("engram.json")));
  }

  @Test
  void withAnEmbedder_orLexicalOnly_theStoreWorks() {
    try (MemoryStore s =
        dev.engram.Engram.builder()
            .backend(EmbeddedMemory.backend(dir.resolve("a")).embedder(new HashEmbedder()).build())
            .build()) {
      s.add(Scope.user("alice"), "I keep bees");
      assertEquals("I keep bees", s.search(Scope.user("alice"), "bees").get(0).text());
    }
    try (MemoryStore s =
        dev.engram.Engram.builder()
            .backend(EmbeddedMemory.backend(dir.resolve("b")).lexicalOnly().build())
            .build()) {
      s.add(Scope.user("alice"), "I keep bees");
      assertEquals("I keep bees", s.search(Scope.user("alice"), "bees").get(0).text());
    }
  }
}
