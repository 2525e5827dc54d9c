package dev.engram.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start as a user's code would have it, outside Engram's packages: its imports
 * block is this file's imports (DocSamplesTest checks that), and the three lines work with the
 * quick start's two dependencies (memory-retrieval, and this module for the default model).
 */
class ReadmeQuickStartTest {
  @TempDir Path path;

  @Test
  void quickStartStoresAndRecalls() {
    try (MemoryStore memory = EmbeddedMemory.open(path)) {
      memory.add(Scope.user("alice"), "I am allergic to peanuts");
      memory.search(Scope.user("alice"), "what should I not eat?").forEach(System.out::println);
    }
    try (MemoryStore memory = EmbeddedMemory.open(path)) {
      assertEquals(
          "I am allergic to peanuts",
          memory.search(Scope.user("alice"), "what should I not eat?").get(0).text());
    }
  }
}
