package dev.engram.retrieval.internal;

import dev.engram.StoreIOException;
import dev.engram.backend.MemoryCodec;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.MemoryId;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history events of a store, in their own Lucene index ({@code history/}) so that searches for
 * memories never visit them: the memory index holds only memories, half the documents it held when
 * every write added an event beside its memory, in fewer segments. Events are keyed by sequence, so
 * replaying the operation log writes none twice. Committed before the memory index, whose commit
 * records how much of the log is applied: after a crash the log is replayed from there, and events
 * committed here already are rewritten in place.
 */
final class HistoryIndex implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryIndex.class);

  private final Path path;
  private final Directory directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final Object refreshing = new Object();
  private volatile long written;
  private volatile long visible;

  private HistoryIndex(Path path, Directory directory, IndexWriter writer) throws IOException {
    this.path = path;
    this.directory = directory;
    this.writer = writer;
    this.searchers = new SearcherManager(writer, null);
  }

  /** Opens the history index, creating it if the store has none yet (new, or made before it). */
  static HistoryIndex open(Path path, Directory directory, boolean readOnly) throws IOException {
    IndexWriterConfig config = new IndexWriterConfig();
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
    config.setCommitOnClose(false);
    config.setRAMBufferSizeMB(16);
    config.setMaxFullFlushMergeWaitMillis(0);
    if (readOnly) {
      // On a ReadOnlyOverlayDirectory (or in memory): nothing merged, deleted or committed.
      config.setMergePolicy(org.apache.lucene.index.NoMergePolicy.INSTANCE);
      config.setIndexDeletionPolicy(org.apache.lucene.index.NoDeletionPolicy.INSTANCE);
    } else {
      TieredMergePolicy merges = new TieredMergePolicy();
      // A purge rewrites every segment holding the events it deleted (see expungeDeletes).
      merges.setForceMergeDeletesPctAllowed(0);
      config.setMergePolicy(merges);
    }
    IndexWriter writer = new IndexWriter(directory, config);
    try {
      return new HistoryIndex(path, directory, writer);
    } catch (IOException | RuntimeException e) {
      writer.rollback();
      throw e;
    }
  }

  /**
   * Writes a batch's share: the purged memories' events go (as a purge removes a memory's history
   * with it), then the batch's events are added; readers see them from the next {@link #acquire}.
   */
  void write(List<MemoryId> purges, List<HistoryEvent> events) throws IOException {
    for (MemoryId id : purges) {
      writer.deleteDocuments(new Term(Fields.ID, id.value()));
    }
    write(events);
    if (!purges.isEmpty() && events.isEmpty()) {
      written++;
    }
  }

  private void write(List<HistoryEvent> events) throws IOException {
    for (HistoryEvent e : events) {
      writer.updateDocument(
          new Term(Fields.SEQ + "_key", Long.toString(e.sequence())), LuceneDocuments.event(e));
    }
    if (!events.isEmpty()) {
      written++;
    }
  }

  /**
   * Moves the events a store made before this index existed out of its memory index: copied here
   * and committed, then deleted there (the caller commits that). Interrupted half-way, the next
   * open copies them again, in place.
   *
   * @return whether there were any
   */
  boolean migrateFrom(IndexSearcher memories) throws IOException {
    int total = memories.count(LuceneIndex.EVENTS);
    if (total == 0) {
      return false;
    }
    TopDocs all = memories.search(LuceneIndex.EVENTS, total);
    for (ScoreDoc d : all.scoreDocs) {
      String json =
          memories.storedFields().document(d.doc, Set.of(Fields.RECORD)).get(Fields.RECORD);
      write(List.of(MemoryCodec.eventFromJson(json)));
    }
    LOG.info("moved {} history event(s) of {} to their own index", total, path.getParent());
    return true;
  }

  /** Reopens readers on every write so far, setting the caller's interrupt aside meanwhile. */
  private void refresh() throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      synchronized (refreshing) {
        long target = written;
        if (visible >= target) {
          return;
        }
        searchers.maybeRefreshBlocking();
        visible = target;
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Rewrites every segment holding deleted events, so that a purged memory's history leaves the
   * files at the next commit and {@link #reopenReaders}.
   */
  void expungeDeletes() throws IOException {
    writer.forceMergeDeletes(true);
  }

  /** Reopens readers now, so that they let go of segments a purge rewrote. */
  void reopenReaders() throws IOException {
    synchronized (refreshing) {
      long target = written;
      searchers.maybeRefreshBlocking();
      visible = Math.max(visible, target);
    }
  }

  /** A reader that sees every event written so far. */
  IndexSearcher acquire() throws IOException {
    if (visible < written) {
      refresh();
    }
    return searchers.acquire();
  }

  void release(IndexSearcher s) {
    try {
      searchers.release(s);
    } catch (IOException e) {
      LOG.warn("could not release a searcher of {}", path, e);
    }
  }

  /** Commits; before the memory index, whose commit says how much of the log is applied. */
  void commit() throws IOException {
    writer.commit();
  }

  /** Closes readers and drops uncommitted changes (everything durable is committed or logged). */
  @Override
  public void close() throws IOException {
    try {
      searchers.close();
    } finally {
      try {
        writer.rollback();
      } finally {
        directory.close();
      }
    }
  }

  static StoreIOException failure(Path path, IOException e) {
    return new StoreIOException(
        "could not read the history of the store at " + path + ": " + e.getMessage(), e);
  }
}
