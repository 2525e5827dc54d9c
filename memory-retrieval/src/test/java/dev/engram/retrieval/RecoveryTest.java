package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery from the operation log, checked on a snapshot of a store that was never closed. */
class RecoveryTest {
  private static final Scope ALICE = Scope.user("alice");

  @TempDir Path dir;

  private static MemoryStore open(Path d) {
    return Engram.builder()
        .backend(
            EmbeddedMemory.backend(d)
                .embedder(new HashEmbedder())
                .commitInterval(Duration.ofMinutes(10))
                .build())
        .build();
  }

  @Test
  void changesOnlyInTheLog_areVisibleToReadsRightAfterReopening() throws Exception {
    Path live = dir.resolve("live");
    Memory kept;
    Memory changed;
    try (MemoryStore store = open(live)) {
      kept = store.add(ALICE, "Alice keeps bees in her garden").added().get(0);
      changed = store.add(ALICE, "Alice drives a red car").added().get(0);
      store.update(ALICE, changed.id(), MemoryUpdate.text("Alice drives a blue car"));
      store.delete(ALICE, kept.id(), "no longer true");
      store.search(ALICE, "car"); // recalled, and written within the flush interval
      RecoverySnapshots.snapshot(live, dir.resolve("crashed"));
      store.maintain(); // writes the recall
      RecoverySnapshots.snapshot(live, dir.resolve("crashed-after-flush"));
    }
    // Regression: recovered changes were in the index but hidden from readers until the next write.
    try (MemoryStore store = open(dir.resolve("crashed"))) {
      assertEquals(Status.DELETED, store.get(ALICE, kept.id()).orElseThrow().status());
      assertEquals("Alice drives a blue car", store.get(ALICE, changed.id()).orElseThrow().text());
      assertEquals(
          0,
          store.get(ALICE, changed.id()).orElseThrow().accessCount(),
          "a recall not yet written is what a crash may lose");
      assertEquals(
          List.of("Alice drives a blue car"),
          store.search(ALICE, "car").stream().map(h -> h.text()).toList());
      assertEquals(2, store.history(ALICE, kept.id()).size());
      assertEquals(2, store.history(ALICE, changed.id()).size());
      Memory next = store.add(AddRequest.of(ALICE, "after recovery")).added().get(0);
      assertEquals(5, store.history(ALICE, next.id()).get(0).sequence());
    }
    try (MemoryStore store = open(dir.resolve("crashed-after-flush"))) {
      assertEquals(
          1,
          store.get(ALICE, changed.id()).orElseThrow().accessCount(),
          "a written recall is recovered");
    }
  }

  // Regression: closing after a search failed its final commit ("store is closed") with a stack
  // trace, and left the recall statistics to be replayed from the log.
  @Test
  void closingAfterASearch_commitsTheRecallStatistics_andLeavesNothingToReplay() throws Exception {
    Path live = dir.resolve("live");
    Memory m;
    try (MemoryStore store = open(live)) {
      m = store.add(ALICE, "Alice drives a red car").added().get(0);
      store.search(ALICE, "car");
    }
    // Records are binary (BinaryRecord): that the commit holds the reinforced one shows below, as
    // the log is empty and a reopened store still reads accessCount 1.
    try (Stream<Path> logs = Files.list(live.resolve("log"))) {
      assertEquals(
          0L, logs.mapToLong(p -> p.toFile().length()).sum(), "the final commit trimmed the log");
    }
    try (MemoryStore store = open(live)) {
      assertEquals(1, store.get(ALICE, m.id()).orElseThrow().accessCount());
    }
  }
}
