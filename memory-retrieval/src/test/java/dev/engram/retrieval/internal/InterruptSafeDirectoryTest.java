package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 2: what the index writer does on a thread that happens to be interrupted (a
 * cancelled search deleting files as it releases the last reference to an old reader, a flush)
 * leaves the directory and its write lock usable.
 */
class InterruptSafeDirectoryTest {
  @TempDir Path dir;

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void checkingTheWriteLockOnAnInterruptedThread_leavesTheLockValid() throws Exception {
    try (Directory d = LuceneBackend.openDirectory(dir);
        Lock lock = d.obtainLock("write.lock")) {
      Thread.currentThread().interrupt();
      lock.ensureValid();
      assertTrue(Thread.interrupted(), "the caller keeps its interrupt");
      lock.ensureValid(); // Lucene's NativeFSLock is invalid by now: its channel was closed
    }
  }

  @Test
  void writingSyncingAndReadingOnAnInterruptedThread_work() throws Exception {
    try (Directory d = LuceneBackend.openDirectory(dir)) {
      Thread.currentThread().interrupt();
      try (IndexOutput out = d.createOutput("a.bin", IOContext.DEFAULT)) {
        for (int i = 0; i < 100_000; i++) {
          out.writeInt(i);
        }
      }
      d.sync(List.of("a.bin"));
      d.syncMetaData();
      try (IndexInput in = d.openInput("a.bin", IOContext.DEFAULT)) {
        in.seek(4L * 99_999);
        assertEquals(99_999, in.readInt());
      }
      assertTrue(Thread.interrupted(), "the caller keeps its interrupt");
    }
  }
}
