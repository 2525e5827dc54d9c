package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.MemoryUpdate;
import dev.engram.PageRequest;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Many threads: no update lost, no duplicate, no owner mixed with another, every write visible to
 * readers as soon as it returns.
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class ConcurrencyContract extends StoreContract {
  // concurrency

  @Test
  void concurrency_manyThreadsLoseNoUpdateAndCreateNoDuplicate() throws Exception {
    int threads = 16;
    int rounds = 20;
    Memory shared = addOne(ALICE, "shared counter");
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    Set<MemoryId> addedIds = ConcurrentHashMap.newKeySet();
    AtomicLong sharedHits = new AtomicLong();
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < rounds; i++) {
                    Memory mine = addOne(ALICE, "thread " + thread + " round " + i);
                    assertTrue(addedIds.add(mine.id()));
                    store.update(
                        ALICE,
                        shared.id(),
                        MemoryUpdate.text("shared counter by " + thread + " at " + i));
                    for (SearchHit h :
                        store.search(
                            SearchRequest.builder(ALICE, "shared counter").limit(3).build())) {
                      if (h.memory().id().equals(shared.id())) {
                        sharedHits.incrementAndGet();
                      }
                    }
                    if (i % 4 == 0) {
                      store.delete(ALICE, mine.id(), "cleanup");
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(600, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertEquals(threads * rounds, addedIds.size());
    List<Memory> all = listAll(ALICE, Filter.all());
    assertEquals(threads * rounds + 1, all.size());
    assertEquals(threads * rounds + 1, new HashSet<>(all.stream().map(Memory::id).toList()).size());
    assertEquals(
        threads * rounds / 4, all.stream().filter(m -> m.status() == Status.DELETED).count());

    List<HistoryEvent> history = store.history(ALICE, shared.id());
    List<HistoryEvent> updates =
        history.stream().filter(e -> e.type() == EventType.UPDATE).toList();
    assertEquals(threads * rounds, updates.size(), "no update lost");
    for (int i = 1; i < history.size(); i++) {
      assertEquals(
          history.get(i - 1).after().version(),
          history.get(i).before().version(),
          "each change starts from the previous one");
    }
    Memory finalShared = store.get(ALICE, shared.id()).orElseThrow();
    assertEquals(updates.get(updates.size() - 1).after().text(), finalShared.text());
    assertEquals(
        sharedHits.get(),
        finalShared.accessCount(),
        "no reinforcement lost to a concurrent update");
  }

  @Test
  void concurrency_manyOwnersAtOnce_withPurgeAndMaintenanceRacing_neverMixOwners()
      throws Exception {
    Scope[] owners = {
      ALICE, BOB, Scope.user("carol"), Scope.of("alice", "travel-bot", null), Scope.agent("bot")
    };
    // Old memories that are due to be archived, so maintenance has work while the writers write.
    for (Scope owner : owners) {
      for (int i = 0; i < 5; i++) {
        addOne(owner, "old note " + i + " of " + tag(owner));
      }
    }
    clock.advance(Duration.ofDays(40));
    int writersPerOwner = 2;
    int rounds = 12;
    Scope doomed = Scope.user("dave");
    ExecutorService pool = Executors.newFixedThreadPool(owners.length * writersPerOwner + 2);
    CountDownLatch start = new CountDownLatch(1);
    Map<Scope, Set<MemoryId>> written = new ConcurrentHashMap<>();
    AtomicLong maintenancePasses = new AtomicLong();
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Future<?>> writers = new ArrayList<>();
    List<Future<?>> racers = new ArrayList<>();
    try {
      for (Scope owner : owners) {
        written.put(owner, ConcurrentHashMap.newKeySet());
        for (int t = 0; t < writersPerOwner; t++) {
          int thread = t;
          writers.add(
              pool.submit(
                  () -> {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                      Memory m =
                          addOne(
                              owner.withSession("s" + thread),
                              "secret " + tag(owner) + " from " + thread + " round " + i);
                      written.get(owner).add(m.id());
                      if (i % 3 == 0) {
                        store.update(owner, m.id(), MemoryUpdate.text(m.text() + " (revised)"));
                      }
                      for (SearchHit h :
                          store.search(
                              SearchRequest.builder(owner, "secret round").limit(20).build())) {
                        assertOwn(owner, h.memory());
                      }
                      for (Memory listed : store.list(owner).items()) {
                        assertOwn(owner, listed);
                      }
                      for (HistoryEvent e : store.history(owner, PageRequest.first(50)).items()) {
                        assertTrue(owner.contains(e.scope()), "event of another owner: " + e);
                      }
                    }
                    return null;
                  }));
        }
      }
      racers.add(
          pool.submit(
              () -> {
                start.await();
                while (writing.get()) {
                  store.maintain();
                  maintenancePasses.incrementAndGet();
                }
                return null;
              }));
      racers.add(
          pool.submit(
              () -> {
                start.await();
                while (writing.get()) {
                  Memory m = addOne(doomed.withSession("x"), "dave's note");
                  assertTrue(store.purge(doomed, m.id()));
                  addOne(doomed.withSession("y"), "dave's other note");
                  store.purgeScope(doomed.withSession("y"));
                  store.purgeUser("dave");
                }
                return null;
              }));
      start.countDown();
      for (Future<?> f : writers) {
        f.get(600, TimeUnit.SECONDS);
      }
      writing.set(false);
      for (Future<?> f : racers) {
        f.get(600, TimeUnit.SECONDS);
      }
    } finally {
      writing.set(false);
      pool.shutdownNow();
    }

    assertTrue(maintenancePasses.get() > 0);
    store.purgeUser("dave");
    assertTrue(listAll(doomed, Filter.all()).isEmpty());
    for (Scope owner : owners) {
      List<Memory> all = listAll(owner, Filter.all());
      all.forEach(m -> assertOwn(owner, m));
      Set<MemoryId> ids = all.stream().map(Memory::id).collect(Collectors.toSet());
      assertEquals(all.size(), ids.size(), "no duplicates for " + owner);
      assertTrue(ids.containsAll(written.get(owner)), "every acknowledged write of " + owner);
      assertEquals(5 + writersPerOwner * rounds, all.size());
      assertEquals(5, store.stats(owner).byStatus().get(Status.ARCHIVED), owner.toString());
      for (MemoryId id : written.get(owner)) {
        for (HistoryEvent e : store.history(owner, id)) {
          assertTrue(owner.contains(e.scope()));
        }
      }
    }
  }

  @Test
  void concurrency_readersSeeEveryWriteAsSoonAsItReturns() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 25; i++) {
                    String word = "token" + thread + "x" + i;
                    Memory m = addOne(ALICE, "note " + word);
                    assertEquals(m, store.get(ALICE, m.id()).orElseThrow());
                    List<SearchHit> found =
                        store.search(
                            query(ALICE, word).filter(Filter.eq("id", m.id().value())).build());
                    assertEquals(
                        List.of(m.id()), found.stream().map(h -> h.memory().id()).toList());
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(600, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
