package dev.engram.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.decay.DecayPolicy;
import dev.engram.memory.Scope;
import dev.engram.memory.Tier;
import dev.engram.retrieval.EmbeddedMemory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The samples of docs/getting-started.md, with the imports it shows: the doc's import block is this
 * file's (DocSamplesTest checks that every Java block of the docs appears in a test).
 */
class GettingStartedTest {
  @TempDir Path dir;

  @Test
  void threeLinesToPersistentMemory() {
    Path path = dir.resolve("memory");
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

  @Test
  void everythingElseIsABuilderOption() {
    Path path = dir.resolve("memory");
    MemoryStore memory =
        Engram.builder()
            .backend(EmbeddedMemory.backend(path).commitInterval(Duration.ofSeconds(2)).build())
            .decay(DecayPolicy.builder().timeConstant(Tier.LONG_TERM, Duration.ofDays(365)).build())
            .maintenanceInterval(Duration.ofHours(6))
            .build();
    try (memory) {
      memory.add(Scope.user("alice"), "I prefer green tea");
      assertEquals(1, memory.stats(Scope.user("alice")).total());
    }
  }
}
