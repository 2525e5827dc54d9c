package dev.engram.retrieval.internal;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.Lock;

/**
 * An index directory on disk that is only ever read: what a writer creates goes to memory, what it
 * deletes is only hidden, and its lock is taken in memory. An {@code IndexWriter} opened on it at
 * the last commit can replay the operation log into memory and serve near-real-time readers, while
 * the files on disk, which another process may be writing, are never touched (so a read-only open
 * needs no write access and takes no lock). Names created here hide files of the same name on disk:
 * the other process may choose the same segment names for its own new segments.
 */
final class ReadOnlyOverlayDirectory extends Directory {
  private final Directory disk;
  private final ByteBuffersDirectory memory = new ByteBuffersDirectory();
  private final Set<String> hidden = ConcurrentHashMap.newKeySet();
  private volatile boolean isOpen = true;

  ReadOnlyOverlayDirectory(Directory disk) {
    this.disk = disk;
  }

  private boolean inMemory(String name) {
    return memory.fileExists(name);
  }

  @Override
  public String[] listAll() throws IOException {
    ensureOpen();
    TreeSet<String> names = new TreeSet<>();
    for (String n : disk.listAll()) {
      if (!hidden.contains(n)) {
        names.add(n);
      }
    }
    names.addAll(java.util.List.of(memory.listAll()));
    return names.toArray(String[]::new);
  }

  @Override
  public void deleteFile(String name) throws IOException {
    ensureOpen();
    if (inMemory(name)) {
      memory.deleteFile(name);
    } else if (!hidden.add(name)) {
      throw new NoSuchFileException(name);
    }
  }

  @Override
  public long fileLength(String name) throws IOException {
    ensureOpen();
    if (inMemory(name)) {
      return memory.fileLength(name);
    }
    if (hidden.contains(name)) {
      throw new NoSuchFileException(name);
    }
    return disk.fileLength(name);
  }

  @Override
  public IndexOutput createOutput(String name, IOContext context) throws IOException {
    ensureOpen();
    hidden.add(name);
    return memory.createOutput(name, context);
  }

  @Override
  public IndexOutput createTempOutput(String prefix, String suffix, IOContext context)
      throws IOException {
    ensureOpen();
    IndexOutput out = memory.createTempOutput(prefix, suffix, context);
    hidden.add(out.getName());
    return out;
  }

  @Override
  public void sync(Collection<String> names) {
    // Nothing here is durable, nor needs to be.
  }

  @Override
  public void syncMetaData() {}

  @Override
  public void rename(String source, String dest) throws IOException {
    ensureOpen();
    if (!inMemory(source)) {
      throw new UnsupportedOperationException(
          "a read-only index cannot rename " + source + " on disk");
    }
    hidden.add(dest);
    memory.rename(source, dest);
  }

  @Override
  public IndexInput openInput(String name, IOContext context) throws IOException {
    ensureOpen();
    if (inMemory(name)) {
      return memory.openInput(name, context);
    }
    if (hidden.contains(name)) {
      throw new NoSuchFileException(name);
    }
    return disk.openInput(name, context);
  }

  @Override
  public Lock obtainLock(String name) throws IOException {
    ensureOpen();
    return memory.obtainLock(name);
  }

  @Override
  public Set<String> getPendingDeletions() {
    return memory.getPendingDeletions();
  }

  @Override
  public synchronized void close() throws IOException {
    isOpen = false;
    try {
      memory.close();
    } finally {
      disk.close();
    }
  }

  @Override
  protected void ensureOpen() {
    if (!isOpen) {
      throw new org.apache.lucene.store.AlreadyClosedException("this directory is closed");
    }
  }

  @Override
  public String toString() {
    return "ReadOnlyOverlayDirectory(" + disk + ")";
  }
}
