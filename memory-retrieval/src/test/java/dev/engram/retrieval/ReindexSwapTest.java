package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.StoreLockedException;
import dev.engram.memory.Scope;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 6: a reindex keeps the store locked through its swap, so nobody can open the store
 * and write into a directory that is then moved away.
 */
class ReindexSwapTest {
  @TempDir Path dir;

  @AfterEach
  void resetHook() {
    ReindexTool.beforeSwap = () -> {};
  }

  private EmbeddedMemory.BackendBuilder backend() {
    return EmbeddedMemory.backend(dir.resolve("store")).embedder(new HashEmbedder());
  }

  @Test
  void openingTheStoreBetweenRebuildAndSwap_isRefusedAsLocked() {
    try (MemoryStore s = Engram.builder().backend(backend().build()).build()) {
      s.add(Scope.user("alice"), "before the reindex");
    }
    AtomicReference<Object> seen = new AtomicReference<>();
    ReindexTool.beforeSwap =
        () -> {
          try (MemoryStore s = Engram.builder().backend(backend().build()).build()) {
            s.add(Scope.user("bob"), "written into the store about to be moved away");
            seen.set("opened");
          } catch (StoreLockedException e) {
            seen.set(e);
          }
        };
    assertEquals(1, EmbeddedMemory.reindex(dir.resolve("store"), backend()));
    assertTrue(seen.get() instanceof StoreLockedException, "the store was " + seen.get());
    try (MemoryStore s = Engram.builder().backend(backend().build()).build()) {
      assertEquals(1, s.stats().total());
    }
  }
}
