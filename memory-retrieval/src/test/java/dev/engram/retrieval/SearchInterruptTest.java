package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 2: interrupting a thread while it searches (Future.cancel(true), Thread.interrupt)
 * must never reach the index writer, so every other tenant's writes keep succeeding.
 */
class SearchInterruptTest {
  @TempDir Path dir;

  private MemoryStore open() {
    return Engram.builder()
        .backend(
            EmbeddedMemory.backend(dir.resolve("store"))
                .embedder(new HashEmbedder())
                .commitInterval(java.time.Duration.ofMillis(100))
                .build())
        .build();
  }

  @Test
  void cancellingThousandsOfSearches_whileOthersWrite_neverStopsWrites() throws Exception {
    int cancellations = 3000;
    try (MemoryStore store = open()) {
      store.add(Scope.user("carol"), "carol likes hiking in the alps");
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger written = new AtomicInteger();
      AtomicReference<Throwable> writeFailure = new AtomicReference<>();
      List<Thread> writers = new ArrayList<>();
      for (String user : List.of("alice", "bob")) {
        Thread t =
            new Thread(
                () -> {
                  int i = 0;
                  while (!stop.get() && writeFailure.get() == null) {
                    try {
                      store.add(Scope.user(user), user + " note number " + i++ + " about hiking");
                      written.incrementAndGet();
                    } catch (RuntimeException e) {
                      writeFailure.compareAndSet(null, e);
                    }
                  }
                },
                "writer-" + user);
        t.start();
        writers.add(t);
      }
      ExecutorService searches = Executors.newFixedThreadPool(2);
      try {
        for (int i = 0; i < cancellations && writeFailure.get() == null; i++) {
          Future<?> f = searches.submit(() -> store.search(Scope.user("carol"), "hiking alps"));
          // Interrupt at varying points of the search: at once, or after some spinning.
          for (int spin = 0, n = i % 7 * 2000; spin < n; spin++) {
            Thread.onSpinWait();
          }
          f.cancel(true);
        }
        // Threads searching in a loop, interrupted directly at random points of their searches
        // (a search, a reader's release, a refresh); each clears its interrupt and goes on, as a
        // pooled thread would.
        AtomicBoolean searching = new AtomicBoolean(true);
        List<Thread> searchers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
          Thread searcher =
              new Thread(
                  () -> {
                    while (searching.get()) {
                      try {
                        store.search(Scope.user("carol"), "hiking alps");
                      } catch (RuntimeException e) {
                        // what an interrupted search reports is up to it; writes are what matter
                      }
                      Thread.interrupted();
                    }
                  },
                  "searcher-" + t);
          searcher.start();
          searchers.add(searcher);
        }
        for (int i = 0; i < cancellations && writeFailure.get() == null; i++) {
          searchers.get(i % searchers.size()).interrupt();
          for (int spin = 0, n = i % 11 * 1000; spin < n; spin++) {
            Thread.onSpinWait();
          }
        }
        searching.set(false);
        for (Thread t : searchers) {
          t.join(TimeUnit.SECONDS.toMillis(60));
        }
      } finally {
        stop.set(true);
        searches.shutdownNow();
        assertTrue(searches.awaitTermination(60, TimeUnit.SECONDS));
        for (Thread t : writers) {
          t.join(TimeUnit.SECONDS.toMillis(60));
        }
      }
      if (writeFailure.get() != null) {
        throw new AssertionError(
            "a write failed after " + written.get() + " succeeded", writeFailure.get());
      }
      store.add(Scope.user("dave"), "written after every cancellation");
      assertEquals(1, store.search(Scope.user("dave"), "cancellation").size());
      assertTrue(written.get() > 0, "the writers wrote");
    }
  }
}
