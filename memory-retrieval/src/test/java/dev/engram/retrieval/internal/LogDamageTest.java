package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.StoreCorruptedException;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.retrieval.HashEmbedder;
import dev.engram.retrieval.RecoverySnapshots;
import dev.engram.retrieval.RepairReport;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 3: the operation log tells a torn tail (a record cut short at the very end by a
 * crash) from damage (a header, length or checksum that does not check out); damage is reported
 * naming what is lost, leaves every file as it was, and repair keeps every readable record of every
 * user after copying the damaged file aside.
 */
class LogDamageTest {
  private static final Scope ALICE = Scope.user("alice");
  private static final Scope BOB = Scope.user("bob");

  @TempDir Path dir;

  private Path store() {
    return dir.resolve("store");
  }

  private MemoryStore open() {
    return Engram.builder()
        .backend(EmbeddedMemory.backend(store()).embedder(new HashEmbedder()).build())
        .build();
  }

  /** A killed store whose four adds (alice, bob, alice, bob) live only in its log. */
  private Path killedStore() throws Exception {
    Path live = dir.resolve("live");
    try (MemoryStore s =
        Engram.builder()
            .backend(
                EmbeddedMemory.backend(live)
                    .embedder(new HashEmbedder())
                    .commitInterval(Duration.ofMinutes(10))
                    .build())
            .build()) {
      for (int i = 0; i < 4; i++) {
        s.add(i % 2 == 0 ? ALICE : BOB, "logged memory number " + i);
      }
      RecoverySnapshots.snapshot(live, store());
    }
    try (Stream<Path> files = Files.list(store().resolve("log"))) {
      return files
          .filter(p -> p.getFileName().toString().matches("translog-\\d+\\.tlog"))
          .findFirst()
          .orElseThrow();
    }
  }

  private static void flip(Path file, long at) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x5A);
    }
  }

  /** Where each record of a log file starts. */
  private static List<Long> recordStarts(Path file) throws IOException {
    Translog.Scan scan = Translog.scan(0, file);
    assertTrue(scan.damage().isEmpty());
    return scan.positions();
  }

  @Test
  void aFlippedByteInTheFirstHeader_isDamage_reportedWithoutTruncatingTheLog() throws Exception {
    Path log = killedStore();
    byte[] before = Files.readAllBytes(log);
    flip(log, 1);
    byte[] damaged = Files.readAllBytes(log);
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, this::open);
    assertTrue(
        e.getMessage().startsWith("operation log " + log + " is damaged at byte 0: a record"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("0 readable record(s) come before the damage and 3 after it"),
        e.getMessage());
    assertTrue(e.getMessage().contains("engram repair --store"), e.getMessage());
    assertArrayEquals(damaged, Files.readAllBytes(log), "the evidence is left as it was");
    assertEquals(before.length, damaged.length);
  }

  @Test
  void aFlippedLastByte_isDamage_notATornTail() throws Exception {
    Path log = killedStore();
    flip(log, Files.size(log) - 1);
    long size = Files.size(log);
    StoreCorruptedException e = assertThrows(StoreCorruptedException.class, this::open);
    assertTrue(e.getMessage().contains("a record's checksum does not match"), e.getMessage());
    assertTrue(
        e.getMessage().contains("3 readable record(s) come before the damage and 0 after it"),
        e.getMessage());
    assertEquals(size, Files.size(log));
  }

  @Test
  void aRecordCutShortAtTheEnd_isATornTail_droppedQuietly() throws Exception {
    Path log = killedStore();
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.setLength(f.length() - 5);
    }
    assertNull(Translog.salvage(log, dir.resolve("aside")), "nothing for repair to do");
    try (MemoryStore s = open()) {
      assertEquals(2, s.stats(ALICE).total());
      assertEquals(1, s.stats(BOB).total());
    }
  }

  @Test
  void repair_copiesTheDamagedFileAside_andKeepsEveryReadableRecordOfEveryUser() throws Exception {
    Path log = killedStore();
    List<Long> starts = recordStarts(log);
    flip(log, starts.get(2) + 20); // alice's second memory
    byte[] damaged = Files.readAllBytes(log);
    assertThrows(StoreCorruptedException.class, this::open);

    RepairReport report = EmbeddedMemory.repair(store());

    assertEquals(1, report.files().size());
    RepairReport.File f = report.files().get(0);
    assertEquals(log, f.file());
    assertEquals(3, f.recordsKept());
    assertEquals(starts.get(3) - starts.get(2), f.bytesDropped());
    assertArrayEquals(damaged, Files.readAllBytes(f.copy()), "copied before any change");
    assertEquals(store().resolve("damaged").resolve("repair-1"), f.copy().getParent());
    try (MemoryStore s = open()) {
      assertEquals(
          List.of("logged memory number 0"),
          s.list(ALICE).items().stream().map(Memory::text).toList());
      assertEquals(
          List.of("logged memory number 1", "logged memory number 3"),
          s.list(BOB).items().stream().map(Memory::text).sorted().toList());
      s.add(ALICE, "written after the repair");
    }
    assertTrue(EmbeddedMemory.repair(store()).files().isEmpty(), "a second repair finds nothing");
  }

  @Test
  void aRecordTooLargeForTheReader_isNeverWritten() throws Exception {
    Path logDir = dir.resolve("log");
    try (Translog log =
        Translog.open(
            logDir,
            "translog",
            1,
            LogFileOps.DEFAULT,
            new java.util.ArrayList<>(),
            Translog.Mode.STRICT)) {
      log.append("{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
      long size = log.size();
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> log.append(new byte[Translog.MAX_RECORD + 1], true));
      assertEquals(
          "this change would write an operation-log record of 268435457 bytes; the limit is"
              + " 268435456 bytes (store less per add or update)",
          e.getMessage());
      assertEquals(size, log.size());
      assertEquals(size, Files.size(logDir.resolve("translog-1.tlog")));
    }
  }
}
