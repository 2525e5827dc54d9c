package dev.engram.retrieval;

import dev.engram.StoreCorruptedException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a store with new options: every memory and event is copied from the stored records into
 * a fresh store beside it, which then replaces the old directory. Until the final swap the old
 * store's files are only read, so a failure leaves it as it was; a crash during the swap is
 * finished by the next reindex, and the store refuses to open until then (rather than open empty).
 */
final class ReindexTool {
  private static final Logger LOG = LoggerFactory.getLogger(ReindexTool.class);
  private static final int BATCH = 256;

  private ReindexTool() {}

  /** Runs between the rebuild and the swap, with the original's lock held (tests only). */
  static Runnable beforeSwap = () -> {};

  static long reindex(
      Path dir,
      EmbeddedMemory.BackendBuilder newOptions,
      java.util.function.BiConsumer<Long, Long> progress) {
    Objects.requireNonNull(dir, "dir must not be null");
    Objects.requireNonNull(newOptions, "newOptions must not be null");
    Path target = rebuilt(dir);
    Path old = original(dir);
    try {
      if (finishInterruptedSwap(dir)) {
        // The rebuild had completed; the swap is now done too. Rebuild again with these options.
        LOG.info("finished an interrupted reindex of {}", dir);
      }
      deleteRecursively(target);
      long count = 0;
      LuceneBackend from = LuceneBackend.open(dir, newOptions.options(true));
      LuceneBackend rebuilt = null;
      AutoCloseable lock = null;
      try {
        LuceneBackend to = LuceneBackend.open(target, newOptions.options(false));
        rebuilt = to;
        List<Memory> batch = new ArrayList<>(BATCH);
        long[] n = {0};
        long total = from.count(dev.engram.filter.Filter.all());
        progress.accept(0L, total);
        from.forEachMemory(
            m -> {
              batch.add(m);
              n[0]++;
              if (batch.size() == BATCH) {
                to.importRecords(List.copyOf(batch), List.of());
                batch.clear();
                progress.accept(n[0], Math.max(total, n[0]));
              }
            });
        if (!batch.isEmpty()) {
          to.importRecords(List.copyOf(batch), List.of());
        }
        progress.accept(n[0], Math.max(total, n[0]));
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
        to.close(); // before its directory moves
        rebuilt = null;
        // The original's lock is held through the swap: a process opening the store meanwhile
        // would write into a directory that is then moved away and deleted.
        lock = from.closeKeepingLock();
        from = null;
        beforeSwap.run();
        // The swap: the original moves aside, the rebuilt store takes its place. A crash between
        // the two moves leaves both beside the empty place; finishInterruptedSwap completes it.
        deleteRecursively(old);
        Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(target, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(old);
        return count;
      } finally {
        if (rebuilt != null) {
          rebuilt.close();
        }
        if (from != null) {
          from.close();
        }
        if (lock != null) {
          try {
            lock.close();
          } catch (Exception e) {
            LOG.warn("could not release the lock of the reindexed store {}", dir, e);
          }
        }
      }
    } catch (IOException e) {
      throw new StoreIOException("reindexing " + dir + " failed: " + e.getMessage(), e);
    }
  }

  private static Path rebuilt(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".reindex");
  }

  private static Path original(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".old");
  }

  /**
   * Completes a swap cut short between its two moves: the store's place is empty, the original is
   * beside it as {@code .old} and the complete rebuild as {@code .reindex}.
   */
  private static boolean finishInterruptedSwap(Path dir) throws IOException {
    if (!isVacant(dir) || !Files.isDirectory(original(dir))) {
      return false;
    }
    if (Files.isDirectory(rebuilt(dir))) {
      deleteRecursively(dir);
      Files.move(rebuilt(dir), dir, StandardCopyOption.ATOMIC_MOVE);
      deleteRecursively(original(dir));
    } else {
      // Only the original is left: put it back.
      deleteRecursively(dir);
      Files.move(original(dir), dir, StandardCopyOption.ATOMIC_MOVE);
    }
    return true;
  }

  /**
   * Refuses to open (and so create) a store in the place a reindex left vacant: its memories are
   * beside it, and an empty store there would hide them.
   */
  static void refuseIfInterrupted(Path dir) {
    if (isVacant(dir) && Files.isDirectory(original(dir))) {
      throw new StoreCorruptedException(
          "a reindex of "
              + dir
              + " was interrupted: its memories are in "
              + original(dir).getFileName()
              + (Files.isDirectory(rebuilt(dir))
                  ? " (original) and " + rebuilt(dir).getFileName() + " (rebuilt)"
                  : "")
              + " beside it; run EmbeddedMemory.reindex("
              + dir
              + ", options) (or `engram reindex`) again to finish it",
          null);
    }
  }

  private static boolean isVacant(Path dir) {
    if (!Files.exists(dir)) {
      return true;
    }
    try (var s = Files.list(dir)) {
      return s.allMatch(p -> p.getFileName().toString().equals("engram.lock"));
    } catch (IOException e) {
      return false;
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
