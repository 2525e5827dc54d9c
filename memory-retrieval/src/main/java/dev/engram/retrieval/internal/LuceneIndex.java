package dev.engram.retrieval.internal;

import dev.engram.StoreCorruptedException;
import dev.engram.StoreIOException;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.retrieval.PassageFormat;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lucene index of a store: the writer, the near-real-time readers, and what the index holds of
 * memories written since readers last reopened. A write does not reopen readers itself: the next
 * read does, so a bulk import is not cut into a segment per call (each small segment's HNSW graph
 * is rebuilt again by every merge); reads see every write that returned.
 */
final class LuceneIndex implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(LuceneIndex.class);

  static final Query MEMORIES = new TermQuery(new Term(Fields.TYPE, Fields.MEMORY));
  static final Query EVENTS = new TermQuery(new Term(Fields.TYPE, Fields.EVENT));

  /** Readers reopen at the latest after this many unseen writes, which bounds {@link #recent}. */
  private static final int REFRESH_AFTER = 10_000;

  /**
   * The default codec with 8-bit scalar-quantised HNSW vectors. Segments record their vector format
   * by name, so a store can switch either way between opens; old segments keep theirs until merged.
   */
  private static final Codec QUANTIZED =
      new Lucene104Codec() {
        @Override
        public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
          return new Lucene104HnswScalarQuantizedVectorsFormat();
        }
      };

  /**
   * What the index holds for a memory: its embedded-text hash and vector, its previous-turn field,
   * and for a turn its own form as the next turn's field sees it.
   */
  record Existing(String hash, float[] vector, String previous, String form) {}

  private record Recent(long generation, Existing existing) {}

  private final Path path;
  final Directory directory;
  final IndexWriter writer;
  private final SearcherManager searchers;
  private final Map<MemoryId, Recent> recent = new ConcurrentHashMap<>();
  private final Object refreshing = new Object();
  private final ExecutorService refresher;
  private volatile long written;
  private volatile long visible;

  private LuceneIndex(Path path, Directory directory, IndexWriter writer) throws IOException {
    this.path = path;
    this.directory = directory;
    this.writer = writer;
    this.searchers = new SearcherManager(writer, null);
    this.refresher =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "engram-refresh " + path.getParent().getFileName());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Opens the index.
   *
   * @param create whether the store is new; an existing store's index must be there
   */
  static LuceneIndex open(
      Path path,
      Directory directory,
      org.apache.lucene.analysis.Analyzer analyzer,
      boolean create,
      boolean quantized,
      boolean readOnly)
      throws IOException {
    IndexWriterConfig config = new IndexWriterConfig(analyzer);
    if (readOnly) {
      // On a ReadOnlyOverlayDirectory: nothing is merged or deleted, commits are never made.
      config.setMergePolicy(org.apache.lucene.index.NoMergePolicy.INSTANCE);
      config.setIndexDeletionPolicy(org.apache.lucene.index.NoDeletionPolicy.INSTANCE);
    }
    if (quantized) {
      config.setCodec(QUANTIZED);
    }
    // A store that has engram.json has committed its index (the file is written after the first
    // commit), so appending never creates one: a lost index is reported rather than silently
    // replaced by an empty one, which would delete what is left of it.
    config.setOpenMode(
        create ? IndexWriterConfig.OpenMode.CREATE_OR_APPEND : IndexWriterConfig.OpenMode.APPEND);
    config.setCommitOnClose(false);
    config.setRAMBufferSizeMB(64);
    if (!readOnly) {
      config.setMergePolicy(searchMergePolicy());
    }
    // A refresh may otherwise wait up to 500 ms for small-segment merges, on the caller's thread.
    config.setMaxFullFlushMergeWaitMillis(0);
    if (config.getMergePolicy() instanceof TieredMergePolicy tiered) {
      // A purge rewrites every segment holding what it deleted (see expungeDeletes).
      tiered.setForceMergeDeletesPctAllowed(0);
    }
    IndexWriter writer;
    try {
      writer = new IndexWriter(directory, config);
    } catch (IndexNotFoundException e) {
      throw new StoreCorruptedException(
          "the index of the store at "
              + path.getParent()
              + " is missing ("
              + e.getMessage()
              + "); restore the store from a backup — opening it empty would lose its memories",
          e);
    }
    try {
      return new LuceneIndex(path, directory, writer);
    } catch (IOException | RuntimeException e) {
      writer.rollback();
      throw e;
    }
  }

  /**
   * Fewer segments than Lucene's default (at most 5 per tier instead of 10): every search walks one
   * HNSW graph per segment, and commits every few seconds during an import cut it into many small
   * ones. Merges cost the import some of its rate; searches gain more.
   */
  static org.apache.lucene.index.TieredMergePolicy searchMergePolicy() {
    org.apache.lucene.index.TieredMergePolicy p = new org.apache.lucene.index.TieredMergePolicy();
    p.setSegmentsPerTier(5);
    return p;
  }

  /** The user data of the last commit. */
  Map<String, String> commitData() {
    Map<String, String> out = new HashMap<>();
    writer.getLiveCommitData().forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** Writes a batch's documents; readers see them from the next {@link #acquire}. */
  void write(
      List<MemoryId> purges,
      List<Prepared> upserts,
      List<HistoryEvent> events,
      PassageFormat passages,
      boolean withVectors)
      throws IOException {
    long generation = written + 1;
    for (MemoryId id : purges) {
      writer.deleteDocuments(new Term(Fields.ID, id.value()));
      recent.put(id, new Recent(generation, null));
    }
    for (Prepared p : upserts) {
      recent.put(
          p.memory().id(),
          new Recent(
              generation,
              new Existing(
                  p.hash(),
                  p.vector(),
                  p.previous(),
                  p.memory().turn() == null ? null : PassageFormat.previousTurnText(p.memory()))));
    }
    for (Prepared p : upserts) {
      Memory m = p.memory();
      Document d =
          LuceneDocuments.memory(
              m,
              Records.encode(m),
              passages.passage(m),
              p.vector(),
              p.hash(),
              p.previous(),
              withVectors);
      d.add(new StringField(Fields.MEMORY_KEY, m.id().value(), Field.Store.NO));
      writer.updateDocument(new Term(Fields.MEMORY_KEY, m.id().value()), d);
    }
    for (HistoryEvent e : events) {
      // Keyed by sequence, so replaying a record twice cannot duplicate an event.
      writer.updateDocument(
          new Term(Fields.SEQ + "_key", Long.toString(e.sequence())), LuceneDocuments.event(e));
    }
    written = generation;
    if (recent.size() >= REFRESH_AFTER) {
      refresh();
    }
  }

  /**
   * Reopens readers on every write so far; they then need nothing from {@link #recent}. Reopening
   * writes the buffered documents as a segment, so it runs on the index's own thread.
   */
  void refresh() throws IOException {
    refresh(false);
  }

  /**
   * Reopens readers on every write and on every merge so far: after a merge they would otherwise
   * keep the merged segments until the next write.
   */
  void refreshAfterMerges() throws IOException {
    refresh(true);
  }

  private void refresh(boolean evenIfCurrent) throws IOException {
    // On the index's own thread: an interrupt of the caller (a cancelled search) reaching the
    // flush would close the writer for every tenant. The caller waits, keeping its interrupt.
    Future<?> done =
        refresher.submit(
            () -> {
              refreshHere(evenIfCurrent);
              return null;
            });
    boolean interrupted = false;
    try {
      while (true) {
        try {
          done.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          switch (e.getCause()) {
            case IOException io -> throw io;
            case RuntimeException re -> throw re;
            case Error err -> throw err;
            default -> throw new IOException(e.getCause());
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void refreshHere(boolean evenIfCurrent) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      synchronized (refreshing) {
        long target = written;
        if (visible >= target && !evenIfCurrent) {
          return;
        }
        searchers.maybeRefreshBlocking();
        visible = target;
        recent.values().removeIf(r -> r.generation() <= target);
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether readers lag the writes. */
  boolean behind() {
    return visible < written;
  }

  /** A reader as it is, which may not show the latest writes (see {@link #existing}). */
  IndexSearcher acquireAsIs() {
    try {
      return searchers.acquire();
    } catch (IOException e) {
      throw new StoreIOException("could not open a reader on " + path + ": " + e.getMessage(), e);
    }
  }

  void release(IndexSearcher s) {
    try {
      searchers.release(s);
    } catch (IOException e) {
      LOG.warn("could not release a searcher of {}", path, e);
    }
  }

  /**
   * Rewrites every segment that holds deleted documents, so a purged memory's text leaves the index
   * files (once no reader uses the old segments, which the next commit and refresh see to).
   */
  void expungeDeletes() throws IOException {
    writer.forceMergeDeletes(true);
  }

  /**
   * Whether merging the whole index into one segment is worth its cost. Every search walks one HNSW
   * graph per segment, so one segment searches fastest (about twice as fast as the 8 to 16 that a
   * bulk load of 100,000 leaves). A merge rewrites every segment, so it is worth it only once the
   * documents outside the largest segment — roughly, those written since the last such merge — are
   * at least {@link #COMPACT_SHARE} of the index: each document is then rewritten by these merges
   * at most about 1 / {@code COMPACT_SHARE} times.
   */
  boolean worthCompacting() throws IOException {
    refreshAfterMerges();
    IndexSearcher s = acquireAsIs();
    try {
      List<LeafReaderContext> leaves = s.getIndexReader().leaves();
      if (leaves.size() < 2) {
        return false;
      }
      long total = 0;
      long largest = 0;
      for (LeafReaderContext leaf : leaves) {
        long live = leaf.reader().numDocs();
        total += live;
        largest = Math.max(largest, live);
      }
      return total > 0 && total - largest >= COMPACT_SHARE * total;
    } finally {
      release(s);
    }
  }

  /** The share of the index outside its largest segment from which a compaction is worth it. */
  static final double COMPACT_SHARE = 0.2;

  /**
   * Merges the index into one segment; reads and writes go on meanwhile, on the segments as they
   * were until the merge is done.
   *
   * @param wait whether to return only when the merge is done (and readers see it)
   */
  void compact(boolean wait) throws IOException {
    writer.forceMerge(1, wait);
    if (wait) {
      refreshAfterMerges();
    }
  }

  /**
   * While the store is idle (a commit interval without writes): readers move onto segments merged
   * since they opened (they would otherwise keep the old ones until the next write), and after
   * writes the index is merged into one segment if that is worth it, in the background — searches
   * and writes go on meanwhile, and a later idle tick commits the result and moves readers onto it.
   *
   * @param merged whether a merge finished since readers last reopened
   * @param wrote whether anything was written since the last idle tick
   */
  void whenIdle(boolean merged, boolean wrote) throws IOException {
    if (merged) {
      refreshAfterMerges();
    }
    if (wrote && worthCompacting()) {
      LOG.debug("merging the index at {} into one segment while the store is idle", path);
      compact(false);
    }
  }

  /**
   * Merges the index into one segment if that is worth it, and returns once readers see it.
   *
   * @return whether it merged
   */
  boolean compactIfWorthIt() throws IOException {
    if (!worthCompacting()) {
      return false;
    }
    long start = System.nanoTime();
    compact(true);
    LOG.info(
        "merged the index at {} into one segment in {} ms",
        path,
        (System.nanoTime() - start) / 1_000_000);
    return true;
  }

  /** Segments that readers see now (tests and benchmarks). */
  int segmentCount() {
    IndexSearcher s = acquireAsIs();
    try {
      return s.getIndexReader().leaves().size();
    } finally {
      release(s);
    }
  }

  /** Commits with the given user data. */
  void commit(Map<String, String> data) throws IOException {
    writer.setLiveCommitData(data.entrySet());
    writer.commit();
  }

  /**
   * What the index holds for a memory — through {@link #recent} for a write readers do not show yet
   * — or {@code null} if it holds nothing.
   */
  Existing existing(IndexSearcher s, MemoryId id) throws IOException {
    Recent r = recent.get(id);
    if (r != null) {
      return r.existing();
    }
    TopDocs top = s.search(memoryById(id), 1);
    if (top.scoreDocs.length == 0) {
      return null;
    }
    int doc = top.scoreDocs[0].doc;
    Document stored =
        s.storedFields().document(doc, Set.of(Fields.EMBEDDED_HASH, Fields.PREVIOUS_STORED));
    Memory m = Records.read(s, doc);
    return new Existing(
        stored.get(Fields.EMBEDDED_HASH),
        vectorOf(s, doc),
        stored.get(Fields.PREVIOUS_STORED),
        m.turn() == null ? null : PassageFormat.previousTurnText(m));
  }

  static float[] vectorOf(IndexSearcher s, int doc) throws IOException {
    List<LeafReaderContext> leaves = s.getIndexReader().leaves();
    LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
    FloatVectorValues values = leaf.reader().getFloatVectorValues(Fields.VECTOR);
    if (values == null) {
      return null;
    }
    KnnVectorValues.DocIndexIterator it = values.iterator();
    int local = doc - leaf.docBase;
    if (it.advance(local) != local) {
      return null;
    }
    return values.vectorValue(it.index()).clone();
  }

  static Query memoryById(MemoryId id) {
    return new BooleanQuery.Builder()
        .add(MEMORIES, Occur.FILTER)
        .add(new TermQuery(new Term(Fields.ID, id.value())), Occur.FILTER)
        .build();
  }

  /** Memories matching a translated filter. */
  static Query memories(Query filter) {
    return new BooleanQuery.Builder().add(MEMORIES, Occur.FILTER).add(filter, Occur.FILTER).build();
  }

  static Memory decode(IndexSearcher s, int doc) throws IOException {
    return Records.read(s, doc);
  }

  /** Closes readers and drops uncommitted changes (everything durable is committed or logged). */
  @Override
  public void close() throws IOException {
    refresher.shutdown();
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
}
