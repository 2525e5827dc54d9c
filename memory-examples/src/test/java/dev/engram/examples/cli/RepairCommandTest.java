package dev.engram.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.StoreCorruptedException;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15, item 3: {@code engram repair} salvages a store whose log is damaged, copying first. */
class RepairCommandTest {
  @TempDir Path dir;

  private String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Cli(
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new Stores(Map.of()))
            .run(args);
    return new String[] {
      Integer.toString(code),
      out.toString(StandardCharsets.UTF_8),
      err.toString(StandardCharsets.UTF_8)
    };
  }

  private static EmbeddedMemory.BackendBuilder backend(Path p) {
    return EmbeddedMemory.backend(p).lexicalOnly().commitInterval(Duration.ofMinutes(10));
  }

  @Test
  void repair_copiesTheDamagedLogAside_thenKeepsEveryReadableRecord() throws Exception {
    Path live = dir.resolve("live");
    Path store = dir.resolve("store");
    try (MemoryStore s = Engram.builder().backend(backend(live).build()).build()) {
      s.add(Scope.user("alice"), "alice one");
      s.add(Scope.user("bob"), "bob one");
      s.add(Scope.user("alice"), "alice two");
      // What a kill -9 leaves: the files as they are, the writes only in the log.
      try (Stream<Path> files = Files.walk(live)) {
        for (Path p : files.toList()) {
          Path t = store.resolve(live.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(t);
          } else if (!p.getFileName().toString().endsWith(".lock")) {
            Files.copy(p, t);
          }
        }
      }
    }
    Path log;
    try (Stream<Path> files = Files.list(store.resolve("log"))) {
      log = files.filter(p -> p.toString().endsWith(".tlog")).findFirst().orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      long second = 8 + f.readInt(); // bob's record
      f.seek(second + 20);
      int b = f.read();
      f.seek(second + 20);
      f.write(b ^ 0x5A);
    }
    byte[] damaged = Files.readAllBytes(log);
    assertThrows(
        StoreCorruptedException.class, () -> Engram.builder().backend(backend(store).build()));

    String[] r = run("repair", "--store", store.toString());

    assertEquals("0", r[0], r[2]);
    Path copy = store.resolve("damaged").resolve("repair-1").resolve(log.getFileName());
    assertTrue(r[1].startsWith("repaired " + log + ": kept 2 record(s), dropped "), r[1]);
    assertTrue(r[1].endsWith(" unreadable byte(s); the file as it was is in " + copy + "\n"), r[1]);
    assertArrayEquals(damaged, Files.readAllBytes(copy));
    try (MemoryStore s = Engram.builder().backend(backend(store).build()).build()) {
      assertEquals(2, s.stats(Scope.user("alice")).total());
      assertEquals(0, s.stats(Scope.user("bob")).total());
    }
    String[] again = run("repair", "--store", store.toString());
    assertEquals(
        List.of("0", "the operation log of " + store + " is intact; nothing to repair\n"),
        List.of(again[0], again[1]));
  }
}
