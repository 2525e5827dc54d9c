package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.IncompatibleStoreException;
import dev.engram.MemoryStore;
import dev.engram.StoreCorruptedException;
import dev.engram.StoreIOException;
import dev.engram.StoreLockedException;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.retrieval.HashEmbedder;
import dev.engram.retrieval.RetrievalConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locks, foreign and corrupt directories, a full disk, and changing models: clear errors, no
 * damage.
 */
class StoreSafetyTest {
  private static final Scope ALICE = Scope.user("alice");

  @TempDir Path dir;

  private Path store() {
    return dir.resolve("store");
  }

  private static LuceneBackend.Options options(
      LogFileOps files, java.util.function.Function<Path, Directory> dirs) {
    return new LuceneBackend.Options(
        new HashEmbedder(),
        new EnglishAnalyzer(),
        "english",
        RetrievalConfig.defaults(),
        Duration.ofMinutes(10),
        files,
        dirs,
        false,
        false,
        dev.engram.retrieval.PassageFormat.english());
  }

  private MemoryStore open(LuceneBackend.Options options) {
    return Engram.builder().backend(LuceneBackend.open(store(), options)).build();
  }

  private MemoryStore open() {
    return Engram.builder()
        .backend(EmbeddedMemory.backend(store()).embedder(new HashEmbedder()).build())
        .build();
  }

  @Test
  void aSecondOpenInTheSameProcess_isRefusedAsLocked() {
    try (MemoryStore first = open()) {
      StoreLockedException e = assertThrows(StoreLockedException.class, this::open);
      assertTrue(
          e.getMessage().startsWith("the store at " + store() + " is locked"), e.getMessage());
      first.add(ALICE, "still writable");
    }
    try (MemoryStore again = open()) {
      assertEquals(1, again.stats().total(), "closing released the lock");
    }
  }

  @Test
  void anotherProcessHoldingTheStore_isReportedAsLocked_andNothingIsDamaged() throws Exception {
    try (MemoryStore s = open()) {
      s.add(ALICE, "written before the other process");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(
                java,
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                HoldStore.class.getName(),
                store().toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      BufferedReader r =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertTrue(r.readLine().startsWith("OPEN"));
      StoreLockedException e = assertThrows(StoreLockedException.class, this::open);
      assertTrue(e.getMessage().contains("is locked: another process"), e.getMessage());
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
    try (MemoryStore s = open()) {
      assertEquals(1, s.stats().total());
    }
  }

  @Test
  void aForeignDirectory_isRefusedAndLeftAlone() throws IOException {
    Files.createDirectories(store());
    Files.writeString(store().resolve("thesis.tex"), "\\documentclass{article}");
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, this::open);
    assertEquals(
        store()
            + " is not an Engram store (it has files but no engram.json); open an empty or new directory instead",
        e.getMessage());
    try (Stream<Path> files = Files.list(store())) {
      assertEquals(List.of("thesis.tex"), files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void aCorruptIndex_isReportedClearly() throws IOException {
    try (MemoryStore s = open()) {
      s.add(ALICE, "a memory");
    }
    Path segments;
    try (Stream<Path> files = Files.list(store().resolve("index"))) {
      segments =
          files
              .filter(p -> p.getFileName().toString().startsWith("segments_"))
              .findFirst()
              .orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(segments.toFile(), "rw")) {
      f.seek(f.length() / 2);
      f.write(0x5A ^ f.read());
    }
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, this::open);
    assertTrue(
        e.getMessage()
            .startsWith("the index of the store at " + store() + " is corrupt or unreadable"),
        e.getMessage());
  }

  private Path onlyLogFile() throws IOException {
    try (Stream<Path> files = Files.list(store().resolve("log"))) {
      return files
          .filter(p -> p.getFileName().toString().matches("translog-\\d+\\.tlog"))
          .findFirst()
          .orElseThrow();
    }
  }

  /** A store whose writes since the last commit live only in the log (it was never closed). */
  private Path crashedStoreWithLoggedWrites(int writes) throws Exception {
    Path live = dir.resolve("live");
    try (MemoryStore s =
        Engram.builder()
            .backend(
                EmbeddedMemory.backend(live)
                    .embedder(new HashEmbedder())
                    .commitInterval(Duration.ofMinutes(10))
                    .build())
            .build()) {
      for (int i = 0; i < writes; i++) {
        s.add(ALICE, "logged memory number " + i);
      }
      dev.engram.retrieval.RecoverySnapshots.snapshot(live, store());
    }
    return onlyLogFile();
  }

  @Test
  void aTornLastRecord_isCutAway_andEverythingBeforeItRecovered() throws Exception {
    Path log = crashedStoreWithLoggedWrites(3);
    long size = Files.size(log);
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.setLength(size - 7); // the process died while writing the third record
    }
    try (MemoryStore s = open()) {
      assertEquals(2, s.stats(ALICE).total());
      s.add(ALICE, "written after recovery");
    }
    try (MemoryStore s = open()) {
      assertEquals(3, s.stats(ALICE).total());
    }
  }

  @Test
  void aCorruptRecordBeforeGoodOnes_isReportedNamingTheFile() throws Exception {
    Path log = crashedStoreWithLoggedWrites(3);
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.seek(20);
      f.write(0x5A ^ f.read());
    }
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, this::open);
    assertTrue(
        e.getMessage().startsWith("operation log " + log + " is damaged at byte 0"),
        e.getMessage());
    assertTrue(Files.exists(log), "the log is left for the user to decide");
  }

  @Test
  void aFullDisk_rejectsTheWrite_keepsWhatWasDurable_andWorksAgainOnceThereIsSpace()
      throws Exception {
    AtomicBoolean full = new AtomicBoolean();
    LogFileOps failing = file -> new FailingFileChannel(LogFileOps.DEFAULT.open(file), full::get);
    try (MemoryStore s = open(options(failing, LuceneBackend::openDirectory))) {
      s.add(ALICE, "before the disk filled up");
      full.set(true);
      StoreIOException e =
          assertThrows(StoreIOException.class, () -> s.add(ALICE, "while the disk is full"));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "could not write the operation log of " + store() + ": No space left on device"),
          e.getMessage());
      assertEquals(1, s.stats(ALICE).total(), "the rejected write is not visible");
      full.set(false);
      s.add(ALICE, "after space was freed");
      assertEquals(2, s.stats(ALICE).total());
      dev.engram.retrieval.RecoverySnapshots.snapshot(store(), dir.resolve("crashed"));
    }
    try (MemoryStore s =
        Engram.builder()
            .backend(
                EmbeddedMemory.backend(dir.resolve("crashed")).embedder(new HashEmbedder()).build())
            .build()) {
      assertEquals(
          List.of("before the disk filled up", "after space was freed"),
          s.list(ALICE).items().stream().map(Memory::text).toList());
    }
  }

  @Test
  void anIndexWriteFailure_stopsWrites_keepsReads_andReopeningRecoversTheChangeFromTheLog()
      throws Exception {
    AtomicBoolean broken = new AtomicBoolean();
    java.util.function.Function<Path, Directory> dirs =
        p ->
            new FilterDirectory(LuceneBackend.openDirectory(p)) {
              @Override
              public IndexOutput createOutput(String name, IOContext context) throws IOException {
                if (broken.get()) {
                  throw new IOException("No space left on device");
                }
                return super.createOutput(name, context);
              }
            };
    try (MemoryStore s = open(options(LogFileOps.DEFAULT, dirs))) {
      s.add(ALICE, "before the failure");
      assertEquals(1, s.list(ALICE).items().size());
      broken.set(true);
      // Whichever call meets the failure — this add, or the read that would index it — the add is
      // in the forced log, and reads go on from the index as it was.
      try {
        s.add(ALICE, "logged but not indexed");
      } catch (StoreIOException e) {
        assertTrue(
            e.getMessage()
                .contains("is in the operation log and is recovered when the store is reopened"),
            e.getMessage());
      }
      assertEquals(
          List.of("before the failure"),
          s.list(ALICE).items().stream().map(Memory::text).toList(),
          "reads go on from the index as it was");
      broken.set(false);
      StoreIOException refused =
          assertThrows(StoreIOException.class, () -> s.add(ALICE, "refused"));
      assertTrue(refused.getMessage().endsWith("close and reopen it"), refused.getMessage());
    }
    try (MemoryStore s = open()) {
      assertEquals(
          List.of("before the failure", "logged but not indexed"),
          s.list(ALICE).items().stream().map(Memory::text).toList());
    }
  }

  @Test
  void aDifferentEmbeddingModel_isRefused_andReindexSwitchesTheStoreOver() {
    Memory m;
    try (MemoryStore s = open()) {
      m =
          s.add(AddRequest.builder(ALICE).text("Alice grows tomatoes on her balcony").build())
              .added()
              .get(0);
      s.update(
          ALICE,
          m.id(),
          dev.engram.MemoryUpdate.text("Alice grows cherry tomatoes on her balcony"));
    }
    HashEmbedder bigger = new HashEmbedder(32);
    IncompatibleStoreException e =
        assertThrows(
            IncompatibleStoreException.class,
            () -> EmbeddedMemory.backend(store()).embedder(bigger).build());
    assertEquals(
        "store at "
            + store()
            + " was built with embedding model hash-64 (64 dimensions) but was opened with hash-32 (32"
            + " dimensions); open it with the same model, or rebuild its vectors with EmbeddedMemory.reindex(path,"
            + " newOptions) (or `engram reindex`)",
        e.getMessage());
    assertEquals(
        1, EmbeddedMemory.reindex(store(), EmbeddedMemory.backend(store()).embedder(bigger)));
    try (MemoryStore s =
        Engram.builder()
            .backend(EmbeddedMemory.backend(store()).embedder(bigger).build())
            .build()) {
      assertEquals(
          "Alice grows cherry tomatoes on her balcony", s.search(ALICE, "tomatoes").get(0).text());
      assertEquals(2, s.history(ALICE, m.id()).size(), "history is kept");
    }
    assertFalse(Files.exists(dir.resolve("store.reindex")));
    assertThrows(IncompatibleStoreException.class, this::open);
  }

  private long fileCount(Path p) throws IOException {
    try (Stream<Path> files = Files.walk(p)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void aStoreThatLostItsIndex_isReportedAsMissing_andWhatIsLeftIsNotDeleted() throws Exception {
    try (MemoryStore s = open()) {
      for (int i = 0; i < 5; i++) {
        s.add(ALICE, "memory " + i);
      }
    }
    try (Stream<Path> files = Files.list(store().resolve("index"))) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("segments")).toList()) {
        Files.delete(f);
      }
    }
    long before = fileCount(store());
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, this::open);
    assertTrue(e.getMessage().contains("is missing"), e.getMessage());
    assertTrue(e.getMessage().contains("restore the store from a backup"), e.getMessage());
    assertEquals(before, fileCount(store()), "opening deleted what was left of the index");
  }

  @Test
  void aCreationCutShortBeforeItsMetadata_opensAsANewStore() throws Exception {
    try (MemoryStore s = open()) {
      assertEquals(0, s.stats(ALICE).total());
    }
    Files.delete(store().resolve("engram.json")); // as if the process died just before writing it
    try (MemoryStore s = open()) {
      s.add(ALICE, "the store works");
    }
    try (MemoryStore s = open()) {
      assertEquals(1, s.stats(ALICE).total());
    }
  }

  @Test
  void aFailedOpen_releasesItsFiles_soTheStoreOpensOnceRepaired() throws Exception {
    Path log = crashedStoreWithLoggedWrites(2);
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.seek(20);
      f.write(0x5A ^ f.read());
    }
    assertThrows(StoreCorruptedException.class, this::open);
    Files.delete(log); // the user gives up the changes the damaged log held
    // Regression: the failed open kept Lucene's write lock, so this failed until the JVM exited.
    try (MemoryStore s = open()) {
      s.add(ALICE, "after the repair");
      assertEquals(1, s.stats(ALICE).total());
    }
  }

  @Test
  void searchesKeepWorking_whenTheStoreCanNoLongerWrite() throws Exception {
    AtomicBoolean full = new AtomicBoolean();
    AtomicBoolean broken = new AtomicBoolean();
    LogFileOps failing = file -> new FailingFileChannel(LogFileOps.DEFAULT.open(file), full::get);
    java.util.function.Function<Path, Directory> dirs =
        p ->
            new FilterDirectory(LuceneBackend.openDirectory(p)) {
              @Override
              public IndexOutput createOutput(String name, IOContext context) throws IOException {
                if (broken.get()) {
                  throw new IOException("No space left on device");
                }
                return super.createOutput(name, context);
              }
            };
    try (MemoryStore s = open(options(failing, dirs))) {
      s.add(ALICE, "Alice keeps bees");
      full.set(true);
      // A search reinforces what it returns; that bookkeeping must not fail the search.
      assertEquals(1, s.search(ALICE, "bees").size());
      assertEquals(1, s.search(ALICE, "bees").size());
      full.set(false);
      broken.set(true);
      // The index fails from here on: a write is refused or fails (it is in the log either way),
      // and searches answer from the index as it was.
      assertThrows(
          StoreIOException.class,
          () -> {
            s.add(ALICE, "Alice keeps more bees");
            s.search(ALICE, "bees");
            s.add(ALICE, "refused");
          });
      assertEquals(
          List.of("Alice keeps bees"),
          s.search(ALICE, "bees").stream().map(h -> h.text()).toList());
      assertEquals(1, s.list(ALICE).items().size(), "reads answer from the index as it is");
    }
  }

  @Test
  void anInterruptedCaller_writesDurably_keepsItsInterrupt_andLeavesTheLogUsable() {
    try (MemoryStore s = open()) {
      Thread.currentThread().interrupt();
      try {
        s.add(ALICE, "written by an interrupted thread");
        s.search(ALICE, "interrupted");
        assertTrue(Thread.interrupted(), "the caller's interrupt is kept");
      } finally {
        Thread.interrupted();
      }
      s.add(ALICE, "written afterwards");
      assertEquals(2, s.stats(ALICE).total());
    }
    try (MemoryStore s = open()) {
      assertEquals(2, s.stats(ALICE).total());
    }
  }

  @Test
  void aPurgedOrRewordedTurn_leavesNoTraceInTheNextTurnsContext() {
    Scope chat = Scope.of("alice", null, "chat-1");
    try (MemoryStore s = open()) {
      Memory first = s.add(chat, "I adopted a ferret called Zorblax").added().get(0);
      Memory second = s.add(chat, "I also bought a hamster called Quibble").added().get(0);
      Memory third = s.add(chat, "That is lovely news").added().get(0);
      // A turn carries the previous one as context, so its words match the next turn too.
      assertEquals(Set.of(first.id(), second.id()), lexicalMatches(s, chat, "Zorblax"));
      s.purge(chat, first.id());
      assertEquals(
          Set.of(),
          lexicalMatches(s, chat, "Zorblax"),
          "a purged turn's words live on in the next turn's context");
      s.update(chat, second.id(), dev.engram.MemoryUpdate.text("I also bought a gecko"));
      assertEquals(Set.of(second.id(), third.id()), lexicalMatches(s, chat, "gecko"));
      assertEquals(
          Set.of(),
          lexicalMatches(s, chat, "Quibble"),
          "a reworded turn's old words live on in the next turn's context");
    }
  }

  /** The hits BM25 matched (vectors always return their nearest, matching or not). */
  private static Set<dev.engram.memory.MemoryId> lexicalMatches(
      MemoryStore s, Scope scope, String text) {
    return s
        .search(
            dev.engram.recall.SearchRequest.builder(scope, text)
                .explain(true)
                .reinforce(false)
                .limit(50)
                .build())
        .stream()
        .filter(h -> h.explanation().signals().getOrDefault("bm25", 0.0) > 0)
        .map(h -> h.memory().id())
        .collect(java.util.stream.Collectors.toSet());
  }

  @Test
  void aReindexInterruptedDuringItsSwap_isRefusedAtOpen_andFinishedByTheNextReindex()
      throws Exception {
    try (MemoryStore s = open()) {
      s.add(ALICE, "Alice grows tomatoes");
    }
    // The crash left the original beside its place and the complete rebuild beside it too.
    Path old = dir.resolve("store.old");
    Files.move(store(), old);
    dev.engram.retrieval.RecoverySnapshots.snapshot(old, dir.resolve("store.reindex"));
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, this::open);
    assertTrue(
        e.getMessage().startsWith("a reindex of " + store() + " was interrupted"), e.getMessage());
    assertFalse(Files.exists(store()), "refusing must not create an empty store");
    assertEquals(
        1,
        EmbeddedMemory.reindex(
            store(), EmbeddedMemory.backend(store()).embedder(new HashEmbedder())));
    try (MemoryStore s = open()) {
      assertEquals("Alice grows tomatoes", s.list(ALICE).items().get(0).text());
    }
    assertFalse(Files.exists(old));
    assertFalse(Files.exists(dir.resolve("store.reindex")));
  }

  @Test
  void aRecallJournalLeftByAnEarlierVersion_isIgnoredAndDropped() throws Exception {
    try (MemoryStore s = open()) {
      s.add(ALICE, "Alice keeps bees");
    }
    Path journal = store().resolve("log").resolve("deferred-1.tlog");
    Files.write(journal, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    try (MemoryStore s = open()) {
      assertEquals("Alice keeps bees", s.list(ALICE).items().get(0).text());
      s.add(ALICE, "Alice sells honey"); // the next commit retires old files
    }
    assertFalse(Files.exists(journal));
  }

  // Regression: a query of more than about 250 distinct words needed more BM25 clauses than Lucene
  // allows and failed with IndexSearcher.TooManyClauses (the query limit is 8 KiB: ~1,600 words).
  @Test
  void aVeryLongQuery_stillSearches() {
    try (MemoryStore s = open()) {
      s.add(ALICE, "Alice keeps bees in her garden");
      StringBuilder words = new StringBuilder("bees");
      for (int i = 0; i < 1300; i++) { // under the 8 KiB query limit
        words.append(" w").append(i);
      }
      assertEquals(
          "Alice keeps bees in her garden",
          s.search(dev.engram.recall.SearchRequest.builder(ALICE, words.toString()).build())
              .get(0)
              .text());
      // One "word" the analyzer splits into a term per character.
      String cjk = "蜜".repeat(20) + "的".repeat(2500);
      s.search(dev.engram.recall.SearchRequest.builder(ALICE, cjk).build());
    }
  }
}
