package dev.engram.retrieval.internal;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.index.IndexFileNames;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FSLockFactory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.Lock;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.OutputStreamIndexOutput;

/**
 * The index directory, immune to thread interrupts. Lucene's {@code FSDirectory} writes through NIO
 * channels, which an interrupt closes ({@code ClosedByInterruptException}); when that happens
 * mid-flush the {@code IndexWriter} records a tragic event and closes for good, so one cancelled
 * task would stop every tenant's writes. Here files are written through {@link FileOutputStream},
 * which interrupts do not close; an fsync or a file open that an interrupt breaks (each on a
 * channel of its own) is retried with the interrupt set aside, then restored; and the write lock is
 * checked without touching its channel.
 */
final class InterruptSafeDirectory extends MMapDirectory {
  private static final int BUFFER = 8192;
  private final AtomicLong tempCounter = new AtomicLong();

  InterruptSafeDirectory(Path path) throws IOException {
    super(path, new SafeLockFactory());
  }

  /**
   * Lucene's write lock, checked without touching its channel: {@code NativeFSLockFactory} asks the
   * channel for its size on every check — from whichever thread deletes files, which includes a
   * search releasing the last reference to an old reader — and an interrupt of that thread closes
   * the channel, which invalidates the lock and stops the writer for good.
   */
  private static final class SafeLockFactory extends FSLockFactory {
    @Override
    protected Lock obtainFSLock(FSDirectory dir, String lockName) throws IOException {
      Path file = dir.getDirectory().resolve(lockName);
      FileChannel channel =
          FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      if (lock == null) {
        channel.close();
        throw new LockObtainFailedException("the index lock is held elsewhere: " + file);
      }
      FileLock held = lock;
      return new Lock() {
        private volatile boolean closed;

        @Override
        public void close() throws IOException {
          if (closed) {
            return;
          }
          closed = true;
          try (channel) {
            if (held.isValid()) {
              held.release();
            }
          }
        }

        @Override
        public void ensureValid() {
          if (closed) {
            throw new AlreadyClosedException("the index lock was released: " + file);
          }
          if (!held.isValid()) {
            throw new AlreadyClosedException("the index lock was invalidated: " + file);
          }
        }

        @Override
        public String toString() {
          return "InterruptSafeLock(" + file + ")";
        }
      };
    }
  }

  @Override
  public IndexOutput createOutput(String name, IOContext context) throws IOException {
    ensureOpen();
    if (!getPendingDeletions().isEmpty()) {
      deletePendingFiles(); // as FSDirectory does: a name pending deletion may be reused
    }
    return output(name);
  }

  @Override
  public IndexOutput createTempOutput(String prefix, String suffix, IOContext context)
      throws IOException {
    ensureOpen();
    while (true) {
      String name =
          IndexFileNames.segmentFileName(
              prefix,
              suffix + "_" + Long.toString(tempCounter.getAndIncrement(), Character.MAX_RADIX),
              "tmp");
      try {
        return output(name);
      } catch (FileAlreadyExistsException e) {
        // taken (by an earlier process): try the next name
      }
    }
  }

  private IndexOutput output(String name) throws IOException {
    Path file = getDirectory().resolve(name);
    Files.createFile(file); // fails if it exists, as Lucene requires
    FileOutputStream out;
    try {
      out = new FileOutputStream(file.toFile());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
    return new OutputStreamIndexOutput(
        "InterruptSafeIndexOutput(path=\"" + file + "\")", name, out, BUFFER);
  }

  @Override
  protected void fsync(String name) throws IOException {
    uninterrupted(() -> super.fsync(name));
  }

  @Override
  public void syncMetaData() throws IOException {
    uninterrupted(super::syncMetaData);
  }

  @Override
  public IndexInput openInput(String name, IOContext context) throws IOException {
    IndexInput[] in = new IndexInput[1];
    uninterrupted(() -> in[0] = super.openInput(name, context));
    return in[0];
  }

  private interface IoAction {
    void run() throws IOException;
  }

  /** Runs an action that opens a channel of its own, again if an interrupt closed that channel. */
  private static void uninterrupted(IoAction action) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      while (true) {
        try {
          action.run();
          return;
        } catch (ClosedByInterruptException e) {
          interrupted = true;
          Thread.interrupted();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
