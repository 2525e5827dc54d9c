package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.MemoryUpdate;
import dev.engram.backend.BackendCapability;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * For backends that declare {@link BackendCapability#PERSISTENT}: memories, history and flushed
 * recall statistics survive closing and reopening. A backend that does not declare it fails here
 * rather than being skipped.
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class DurabilityContract extends StoreContract {
  @BeforeEach
  void requirePersistence() {
    assertTrue(
        declaredCapabilities().contains(BackendCapability.PERSISTENT),
        "DurabilityContract is for backends whose capabilities() include PERSISTENT; this one"
            + " declares "
            + declaredCapabilities());
  }

  @Test
  void persistence_recallStatisticsSurviveReopening() {
    Memory m = addOne(ALICE, "Alice's gate code is 2580");
    store.search(SearchRequest.builder(ALICE, "gate code").build());
    store.search(SearchRequest.builder(ALICE, "gate code").build());
    reopen();
    Memory after = store.get(ALICE, m.id()).orElseThrow();
    assertEquals(2, after.accessCount());
    assertEquals(3.0, after.strength());
  }

  // persistence

  @Test
  void persistence_memoriesAndHistorySurviveReopening() {
    Memory m =
        addOne(
            AddRequest.builder(ALICE)
                .text("Alice's birthday is 3 June")
                .metadata("n", 3)
                .tag("family"));
    store.update(ALICE, m.id(), MemoryUpdate.text("Alice's birthday is 4 June"));
    Memory other = addOne(BOB, "bob");
    store.purge(BOB, other.id());
    List<HistoryEvent> before = store.history(ALICE, m.id());

    reopen();

    assertEquals("Alice's birthday is 4 June", store.get(ALICE, m.id()).orElseThrow().text());
    assertEquals(before, store.history(ALICE, m.id()));
    assertEquals(
        List.of("Alice's birthday is 4 June"),
        texts(store.search(query(ALICE, "birthday").build())));
    assertEquals(EventType.PURGE, store.history(BOB, other.id()).get(0).type());
    Memory next = addOne(ALICE, "after reopening");
    assertTrue(
        store.history(ALICE, next.id()).get(0).sequence()
            > before.get(before.size() - 1).sequence());
  }
}
