package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.MemoryUpdate;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.Status;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The history of changes: who made each change, and a scope's events paged in order.
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class HistoryContract extends StoreContract {
  @Test
  void history_recordsWhoMadeEachChange() {
    Memory a = addOne(AddRequest.builder(ALICE).text("Alice likes jazz").actor("importer"));
    Memory b = addOne(ALICE, "Alice likes blues");
    store.update(
        ALICE, a.id(), MemoryUpdate.builder().text("Alice loves jazz").actor("agent").build());
    store.link(ALICE, a.id(), b.id(), "related", "agent");
    store.invalidate(ALICE, a.id(), "no longer", "agent");
    store.delete(ALICE, a.id(), "cleanup", "nightly-job");
    store.restore(ALICE, a.id(), "mistake", "support-desk");
    store.delete(ALICE, b.id(), "plain");
    assertEquals(
        List.of("importer", "agent", "agent", "agent", "nightly-job", "support-desk"),
        store.history(ALICE, a.id()).stream().map(HistoryEvent::actor).toList());
    assertEquals("api", last(store.history(ALICE, b.id())).actor(), "the default actor");
    assertTrue(store.purge(ALICE, b.id(), "gdpr-tool"));
    assertEquals("gdpr-tool", store.history(ALICE, b.id()).get(0).actor());
    assertEquals(
        "actor must be 1 to 64 characters",
        assertThrows(IllegalArgumentException.class, () -> store.delete(ALICE, a.id(), "x", " "))
            .getMessage());
    assertEquals(Status.INVALIDATED, store.get(ALICE, a.id()).orElseThrow().status());
  }

  @Test
  void history_ofAScope_pagesInOrder() {
    for (int i = 0; i < 12; i++) {
      Memory m = addOne(ALICE, "fact " + i);
      store.update(ALICE, m.id(), MemoryUpdate.text("fact " + i + " revised"));
    }
    addOne(BOB, "bob");
    List<HistoryEvent> events = allHistory(ALICE);
    assertEquals(24, events.size());
    for (int i = 1; i < events.size(); i++) {
      assertTrue(events.get(i - 1).sequence() < events.get(i).sequence());
    }
    assertTrue(events.stream().allMatch(e -> ALICE.contains(e.scope())));
  }
}
