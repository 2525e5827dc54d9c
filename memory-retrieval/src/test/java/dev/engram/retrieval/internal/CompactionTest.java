package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.HashEmbedder;
import dev.engram.retrieval.PassageFormat;
import dev.engram.retrieval.RetrievalConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 4: after a bulk load the embedded store merges its index into one segment (every
 * search walks one HNSW graph per segment), on {@code maintain()} and on its own once idle; it
 * skips the merge when little was written since the last one; and searches find the same memories
 * with the same scores before and after.
 */
class CompactionTest {
  private static final String[] WORDS = {
    "kayak",
    "garden",
    "piano",
    "tomato",
    "Lisbon",
    "violin",
    "hiking",
    "coffee",
    "river",
    "book",
    "sister",
    "dentist",
    "marathon",
    "recipe",
    "camera",
    "train"
  };
  private static final List<Scope> USERS = List.of(Scope.user("ana"), Scope.user("ben"));
  private static final InstantSource CLOCK =
      InstantSource.fixed(Instant.parse("2026-06-01T00:00:00Z"));

  @TempDir Path dir;

  private LuceneBackend backend(Duration commitInterval) {
    return LuceneBackend.open(
        dir.resolve("store"),
        new LuceneBackend.Options(
            new HashEmbedder(),
            new EnglishAnalyzer(),
            "english",
            RetrievalConfig.defaults(),
            commitInterval,
            LogFileOps.DEFAULT,
            LuceneBackend::openDirectory,
            false,
            false,
            PassageFormat.english()));
  }

  private static MemoryStore store(LuceneBackend backend) {
    return Engram.builder().backend(backend).clock(CLOCK).build();
  }

  /**
   * Adds {@code batches} batches, the users in turn, each a segment of its own: an add reopens
   * readers first (to find what is already stored), which writes what is buffered as a segment.
   */
  private static void load(MemoryStore store, Random r, int batches, int perBatch) {
    for (int b = 0; b < batches; b++) {
      AddRequest.Builder add = AddRequest.builder(USERS.get(b % USERS.size())).infer(false);
      for (int i = 0; i < perBatch; i++) {
        StringBuilder text = new StringBuilder();
        for (int w = 0, n = 3 + r.nextInt(6); w < n; w++) {
          text.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
        }
        add.text(text.toString().strip());
      }
      store.add(add.build());
      store.search(SearchRequest.builder(USERS.get(0), "flush").reinforce(false).build());
    }
  }

  private long lastCommit() throws IOException {
    try (FSDirectory d = FSDirectory.open(dir.resolve("store").resolve("index"))) {
      return SegmentInfos.getLastCommitGeneration(d);
    }
  }

  private record Hit(String id, double score) {}

  private static List<List<Hit>> searches(MemoryStore store) {
    List<List<Hit>> out = new ArrayList<>();
    for (Scope user : USERS) {
      for (String q : List.of("kayak on the river", "piano and violin", "sister's recipe")) {
        List<Hit> hits = new ArrayList<>();
        for (SearchHit h :
            store.search(SearchRequest.builder(user, q).limit(20).reinforce(false).build())) {
          assertEquals(user, h.memory().scope(), "a search returns only its own user's memories");
          hits.add(new Hit(h.memory().id().value(), h.score()));
        }
        out.add(hits);
      }
    }
    return out;
  }

  private static void assertSameHits(List<List<Hit>> before, List<List<Hit>> after) {
    assertEquals(before.size(), after.size());
    for (int i = 0; i < before.size(); i++) {
      List<Hit> b = before.get(i);
      List<Hit> a = after.get(i);
      assertEquals(
          b.stream().map(Hit::id).toList(), a.stream().map(Hit::id).toList(), "search " + i);
      for (int j = 0; j < b.size(); j++) {
        assertEquals(b.get(j).score(), a.get(j).score(), 1e-9, "search " + i + " hit " + j);
      }
    }
  }

  @Test
  void maintain_mergesABulkLoadIntoOneSegment_searchesUnchanged_andSkipsWhenLittleIsNew() {
    long seed = new Random().nextLong();
    System.out.println("CompactionTest seed " + seed);
    LuceneBackend backend = backend(Duration.ofMinutes(10)); // never idle within the test
    try (MemoryStore store = store(backend)) {
      // Three segments of equal size: fewer than the merge policy's segments per tier, so they
      // stay.
      load(store, new Random(seed), 3, 160);
      int loaded = backend.segmentCount();
      assertEquals(3, loaded, "the load left " + loaded + " segment(s); seed " + seed);
      List<List<Hit>> before = searches(store);

      assertTrue(store.maintain().compacted(), "seed " + seed);
      assertEquals(1, backend.segmentCount(), "seed " + seed);
      assertSameHits(before, searches(store));

      assertFalse(store.maintain().compacted(), "one segment is left alone");

      // A few new memories are well under a fifth of the index: not worth rewriting all of it.
      load(store, new Random(seed + 1), 1, 10);
      assertEquals(2, backend.segmentCount(), "seed " + seed);
      assertFalse(store.maintain().compacted(), "seed " + seed);
      assertEquals(2, backend.segmentCount(), "seed " + seed);

      // Once a fifth of the index is new, it is merged again.
      load(store, new Random(seed + 2), 1, 120);
      assertEquals(3, backend.segmentCount(), "seed " + seed);
      assertTrue(store.maintain().compacted(), "seed " + seed);
      assertEquals(1, backend.segmentCount(), "seed " + seed);
    }
    // The merge was committed: reopened, the store has the segments it had.
    LuceneBackend reopened = backend(Duration.ofMinutes(10));
    try (MemoryStore store = store(reopened)) {
      assertEquals(1, reopened.segmentCount());
      assertEquals(3 * 160 + 10 + 120, store.stats().total());
    }
  }

  @Test
  void anIdleStore_mergesOnItsOwn_andKeepsTheMergeAcrossAReopen()
      throws InterruptedException, IOException {
    long seed = new Random().nextLong();
    System.out.println("CompactionTest seed " + seed);
    List<List<Hit>> before;
    LuceneBackend backend = backend(Duration.ofMillis(100));
    try (MemoryStore store = store(backend)) {
      load(store, new Random(seed), 3, 160);
      before = searches(store);
      // Idle from here: a commit tick with nothing to commit starts the merge in the background,
      // and a later one commits it and moves readers onto it.
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (backend.segmentCount() > 1) {
        assertTrue(
            System.nanoTime() < deadline,
            "still " + backend.segmentCount() + " segments after 120 s idle; seed " + seed);
        Thread.sleep(20);
      }
      assertSameHits(before, searches(store));
      // Idle with nothing new, the store stops committing: ten commit intervals add no commit.
      long generation = lastCommit();
      Thread.sleep(1_000);
      assertEquals(generation, lastCommit(), "an idle store commits nothing");
    }
    LuceneBackend reopened = backend(Duration.ofMinutes(10));
    try (MemoryStore store = store(reopened)) {
      assertEquals(1, reopened.segmentCount(), "the idle merge was committed");
      assertSameHits(before, searches(store));
    }
  }
}
