package dev.engram.retrieval;

import dev.engram.StoreIOException;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.retrieval.internal.LuceneBackend;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Rebuilds a store with new options: every memory and event is copied from the stored records into
 * a fresh store beside it, which then replaces the old directory. Until the final swap the old
 * store is untouched, so a failure leaves it as it was.
 */
final class ReindexTool {
  private static final int BATCH = 256;

  private ReindexTool() {}

  static long reindex(Path dir, EmbeddedMemory.BackendBuilder newOptions) {
    Objects.requireNonNull(dir, "dir must not be null");
    Objects.requireNonNull(newOptions, "newOptions must not be null");
    Path target = dir.resolveSibling(dir.getFileName() + ".reindex");
    Path old = dir.resolveSibling(dir.getFileName() + ".old");
    try {
      deleteRecursively(target);
      long count = 0;
      try (LuceneBackend from = LuceneBackend.open(dir, newOptions.options(true));
          LuceneBackend to = LuceneBackend.open(target, newOptions.options(false))) {
        List<Memory> batch = new ArrayList<>(BATCH);
        long[] n = {0};
        from.forEachMemory(
            m -> {
              batch.add(m);
              n[0]++;
              if (batch.size() == BATCH) {
                to.importRecords(List.copyOf(batch), List.of());
                batch.clear();
              }
            });
        if (!batch.isEmpty()) {
          to.importRecords(List.copyOf(batch), List.of());
        }
        List<HistoryEvent> events = new ArrayList<>(BATCH);
        from.forEachEvent(
            e -> {
              events.add(e);
              if (events.size() == BATCH) {
                to.importRecords(List.of(), List.copyOf(events));
                events.clear();
              }
            });
        if (!events.isEmpty()) {
          to.importRecords(List.of(), List.copyOf(events));
        }
        to.commit();
        count = n[0];
      }
      deleteRecursively(old);
      Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(target, dir, StandardCopyOption.ATOMIC_MOVE);
      deleteRecursively(old);
      return count;
    } catch (IOException e) {
      throw new StoreIOException("reindexing " + dir + " failed: " + e.getMessage(), e);
    }
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    Files.walkFileTree(
        p,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
