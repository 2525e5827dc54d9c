package dev.engram.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.engram.AddResult;
import dev.engram.AsyncMemoryStore;
import dev.engram.AsyncMemoryStore.WhenFull;
import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/configuration.md's AsyncMemoryStore sample, on the embedded store. */
class AsyncDocSampleTest {
  @TempDir Path dir;

  @Test
  void asyncSample() {
    // docs/configuration.md: async
    try (AsyncMemoryStore memory =
        AsyncMemoryStore.builder(EmbeddedMemory.open(dir)).whenFull(WhenFull.BLOCK).build()) {
      CompletableFuture<AddResult> added = memory.addAsync(Scope.user("alice"), "I moved to Porto");
      added.join(); // before reading your own write
    }
    // end
    try (MemoryStore memory = EmbeddedMemory.open(dir)) {
      assertEquals("I moved to Porto", memory.search(Scope.user("alice"), "Porto").get(0).text());
    }
  }
}
