package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 4: purged text is gone from the store's files (index and log) when the purge
 * returns, as "right to be forgotten" requires, not only from what the API returns.
 */
class PurgeOnDiskTest {
  private static final String SECRET = "Passport X7Q4Z9K2M";

  @TempDir Path dir;

  private Path store() {
    return dir.resolve("store");
  }

  private MemoryStore open() {
    return Engram.builder()
        .backend(
            EmbeddedMemory.backend(store())
                .embedder(new HashEmbedder())
                .commitInterval(Duration.ofMillis(100))
                .build())
        .build();
  }

  /**
   * The store's files that contain {@code needle} (as UTF-8 bytes), like {@code grep -la}. The
   * store commits and merges in the background while this walks, so a file listed a moment ago may
   * be gone when it is read: a file that no longer exists holds no text, and is skipped.
   */
  private List<Path> filesContaining(String needle) throws IOException {
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    List<Path> out = new ArrayList<>();
    Files.walkFileTree(
        store(),
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path p, BasicFileAttributes attributes)
              throws IOException {
            if (attributes.isRegularFile() && contains(p, n)) {
              out.add(p);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }
        });
    return out;
  }

  private static boolean contains(Path p, byte[] n) throws IOException {
    byte[] b;
    try {
      b = Files.readAllBytes(p);
    } catch (NoSuchFileException gone) {
      return false;
    }
    outer:
    for (int i = 0; i + n.length <= b.length; i++) {
      for (int j = 0; j < n.length; j++) {
        if (b[i + j] != n[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  @Test
  void purgingAUser_removesTheirTextFromEveryFile_beforeThePurgeReturns() throws Exception {
    try (MemoryStore s = open()) {
      for (int i = 0; i < 20; i++) {
        s.add(Scope.user("bob"), "bob's note number " + i);
      }
      s.add(Scope.user("alice"), "my passport number is " + SECRET);
      s.add(Scope.user("alice"), "alice likes tea");
      s.maintain(); // committed and merged: the text is in the segment files and out of the log
      s.add(Scope.user("bob"), "bob's later note");
      s.search(Scope.user("alice"), "passport"); // readers open on the text
      assertEquals(false, filesContaining("X7Q4Z9K2M").isEmpty(), "the text is on disk first");

      s.purgeUser("alice");

      assertEquals(List.of(), filesContaining("X7Q4Z9K2M"));
      assertEquals(List.of(), filesContaining("x7q4z9k2m"));
      assertEquals(21, s.stats(Scope.user("bob")).total());
      s.add(Scope.user("bob"), "written after the purge");
    }
    assertEquals(List.of(), filesContaining("X7Q4Z9K2M"));
    try (MemoryStore s = open()) {
      assertEquals(22, s.stats(Scope.user("bob")).total());
      assertEquals(0, s.stats(Scope.user("alice")).total());
    }
  }
}
