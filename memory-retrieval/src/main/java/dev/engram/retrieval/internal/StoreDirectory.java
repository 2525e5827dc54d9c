package dev.engram.retrieval.internal;

import dev.engram.StoreCorruptedException;
import dev.engram.StoreLockedException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's directory: what built it ({@code engram.json}), checked against what opens it, and the
 * lock that keeps a second process (or a second open store in this one) out while it is open.
 * Refuses a directory that holds something other than a store.
 */
final class StoreDirectory implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreDirectory.class);
  static final String LOCK_FILE = "engram.lock";

  /** The history index's directory, beside the memory index. */
  static final String HISTORY = "history";

  final Path dir;
  final StoreMeta existing;
  private final StoreMeta wanted;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private StoreDirectory(
      Path dir, StoreMeta existing, StoreMeta wanted, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.existing = existing;
    this.wanted = wanted;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens and locks {@code dir}, creating it if needed.
   *
   * @param raw only read an existing store: its metadata must exist and is not compared
   * @throws StoreCorruptedException if the directory holds something other than a store
   * @throws StoreLockedException if the store is open elsewhere
   * @throws dev.engram.IncompatibleStoreException if the store was built differently
   */
  static StoreDirectory open(Path dir, StoreMeta wanted, boolean raw) throws IOException {
    Files.createDirectories(dir);
    StoreMeta existing = StoreMeta.read(dir);
    if (existing == null && !isEmptyDirectory(dir)) {
      throw new StoreCorruptedException(
          dir
              + " is not an Engram store (it has files but no "
              + StoreMeta.FILE
              + "); open an empty or new directory instead",
          null);
    }
    FileChannel channel =
        FileChannel.open(
            dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock acquired;
    try {
      acquired = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      acquired = null;
    }
    if (acquired == null) {
      channel.close();
      throw new StoreLockedException(
          "the store at "
              + dir
              + " is locked: another process (or another open store in this one)"
              + " is using it; close that first",
          null);
    }
    StoreDirectory d = new StoreDirectory(dir, existing, wanted, channel, acquired);
    try {
      if (raw) {
        if (existing == null) {
          throw new StoreCorruptedException(
              dir + " is not an Engram store (no " + StoreMeta.FILE + ")", null);
        }
      } else if (existing != null) {
        existing.checkCompatible(wanted, dir);
      }
      return d;
    } catch (RuntimeException e) {
      d.close();
      throw e;
    }
  }

  /**
   * Checks {@code dir} for a read-only open, taking no lock and creating nothing: it must hold a
   * store built as {@code wanted} says.
   *
   * @throws StoreCorruptedException if the directory holds no store
   * @throws dev.engram.IncompatibleStoreException if the store was built differently
   */
  static StoreDirectory openReadOnly(Path dir, StoreMeta wanted) {
    StoreMeta existing = Files.isDirectory(dir) ? StoreMeta.read(dir) : null;
    if (existing == null) {
      throw new StoreCorruptedException(
          dir + " is not an Engram store (no " + StoreMeta.FILE + ")", null);
    }
    existing.checkCompatible(wanted, dir);
    return new StoreDirectory(dir, existing, wanted, null, null);
  }

  /** Whether the directory is a store being created (no {@code engram.json} yet). */
  boolean isNew() {
    return existing == null;
  }

  /** Records what built a new store, once its empty index is committed. */
  void writeMeta() throws IOException {
    wanted.write(dir);
  }

  Path index() {
    return dir.resolve("index");
  }

  Path log() {
    return dir.resolve("log");
  }

  /**
   * Whether {@code dir} holds nothing of value: nothing but our lock, or the remains of a creation
   * cut short before {@code engram.json} was written (an index without documents and an empty log).
   */
  private static boolean isEmptyDirectory(Path dir) throws IOException {
    boolean ours = true;
    boolean onlyLock = true;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        if (name.equals(LOCK_FILE)) {
          continue;
        }
        onlyLock = false;
        if (!(name.equals("index") || name.equals("log") || name.equals(HISTORY))
            || !Files.isDirectory(p)) {
          ours = false;
        }
      }
    }
    if (onlyLock) {
      return true;
    }
    return ours
        && logIsEmpty(dir.resolve("log"))
        && indexHasNoDocuments(dir.resolve("index"))
        && indexHasNoDocuments(dir.resolve(HISTORY));
  }

  private static boolean logIsEmpty(Path logDir) throws IOException {
    if (!Files.isDirectory(logDir)) {
      return true;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(logDir)) {
      for (Path p : s) {
        if (Files.size(p) > 0) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean indexHasNoDocuments(Path index) {
    if (!Files.isDirectory(index)) {
      return true;
    }
    try (Directory d = FSDirectory.open(index)) {
      if (!DirectoryReader.indexExists(d)) {
        return true;
      }
      try (DirectoryReader r = DirectoryReader.open(d)) {
        return r.maxDoc() == 0;
      }
    } catch (IOException | RuntimeException e) {
      return false; // unreadable: not ours to overwrite
    }
  }

  /** Releases the lock. */
  @Override
  public void close() {
    if (lock == null) {
      return; // opened read-only: nothing held
    }
    try {
      if (lock.isValid()) {
        lock.release();
      }
      lockChannel.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not release the lock of {}", dir, e);
    }
  }
}
