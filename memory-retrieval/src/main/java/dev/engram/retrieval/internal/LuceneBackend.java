package dev.engram.retrieval.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.StoreCorruptedException;
import dev.engram.StoreIOException;
import dev.engram.StoreLockedException;
import dev.engram.backend.BackendQuery;
import dev.engram.backend.Candidate;
import dev.engram.backend.Durability;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.MemoryCodec;
import dev.engram.backend.WriteBatch;
import dev.engram.embed.Embedder;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.retrieval.PassageFormat;
import dev.engram.retrieval.RetrievalConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSelector;
import org.apache.lucene.search.SortedSetSelector;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: one Lucene index per directory holding every memory (BM25 fields, an HNSW
 * vector, exact filter fields and the full record) and every history event, made durable between
 * Lucene commits by an fsynced operation log that is replayed on open.
 *
 * <p>Directory layout: {@code engram.json} (what built the store), {@code engram.lock} (held while
 * open), {@code index/} (Lucene), {@code log/translog-N.tlog} (the operation log, every record
 * forced to disk before it is acknowledged) and {@code log/deferred-N.tlog} (the journal of
 * deferred writes: recall statistics and the promotions they cause, forced at each commit).
 *
 * <p>Deferred writes — a search reinforcing what it returned — are frequent and small, so they
 * neither force the disk nor rewrite the index one by one: they go to the journal and to an
 * in-memory overlay that every read consults, and reach the index in bulk at the next commit (or
 * before a read that filters on the fields they change).
 */
public final class LuceneBackend implements MemoryBackend {
  private static final Logger LOG = LoggerFactory.getLogger(LuceneBackend.class);
  private static final String LOCK_FILE = "engram.lock";
  private static final String COMMIT_GENERATION = "engram.translogGeneration";
  private static final String COMMIT_SEQUENCE = "engram.lastSequence";
  private static final long ROLL_BYTES = 64L * 1024 * 1024;
  private static final String LOG_PREFIX = "translog";
  private static final String JOURNAL_PREFIX = "deferred";

  /** Deferred memories gathered before they are written to the index without waiting. */
  private static final int DEFERRED_FLUSH = 10_000;

  /**
   * Fields a deferred write can change: a search that filters on them flushes first. Status is not
   * among them: deferred writes only archive, and every filter that admits archived memories also
   * admits the active ones they are still indexed as (archiving is lazy), so the overlay's value is
   * tested on the candidates anyway.
   */
  private static final Set<String> DEFERRED_FIELDS =
      Set.of("accessCount", "strength", "lastAccessedAt", "tier", "updatedAt");

  private static final Query MEMORIES = new TermQuery(new Term(Fields.TYPE, Fields.MEMORY));
  private static final Query EVENTS = new TermQuery(new Term(Fields.TYPE, Fields.EVENT));
  private static final String SESSION_INDEX = "_sessionIdx";

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
   * What the backend is opened with.
   *
   * @param embedder the embedding model, or {@code null} for a lexical-only store
   * @param analyzer the analyzer of the BM25 fields
   * @param analyzerName the analyzer's name, recorded in {@code engram.json}
   * @param queryStopwords words dropped from queries before BM25 (lower-case)
   * @param retrieval ranking settings
   * @param commitInterval how often changes are committed to the index (which trims the log)
   * @param fileOps how log files are opened and synced (tests inject faults)
   * @param directories how the index directory is opened (tests inject faults)
   * @param raw open without checking or writing {@code engram.json} and without committing: for
   *     reading an old store while it is rebuilt elsewhere
   * @param quantizedVectors store vectors quantised to 8 bits (about a quarter of the memory)
   * @param passageFormat how memories are written out for BM25 and the embedding
   */
  public record Options(
      Embedder embedder,
      Analyzer analyzer,
      String analyzerName,
      Set<String> queryStopwords,
      RetrievalConfig retrieval,
      Duration commitInterval,
      LogFileOps fileOps,
      Function<Path, Directory> directories,
      boolean raw,
      boolean quantizedVectors,
      PassageFormat passageFormat) {}

  private final Path dir;
  private final Options options;
  private final Embedder embedder;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Directory directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final Translog log;
  private final Translog journal;
  private final HybridSearcher hybrid;
  private final TextComposer composer;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Map<String, SessionTail> sessions = new HashMap<>();

  /**
   * Memories changed by deferred writes and not yet in the index (newest value per id); every read
   * sees them through {@link #resolve}. Written under {@link #writeLock}, read without it.
   */
  private final Map<MemoryId, Memory> deferred = new ConcurrentHashMap<>();

  /** History events of deferred writes not yet in the index, in order (under the write lock). */
  private final List<HistoryEvent> deferredEvents = new ArrayList<>();

  /** Whether the journal failed to take a write: warned once, until it works again. */
  private boolean journalFailing;

  /**
   * Index writes so far, and how many of them readers see. A write does not reopen the reader
   * itself: the next read does, so a bulk import is not cut into a segment per call (each small
   * segment's HNSW graph is rebuilt again by every merge). Reads see every write that returned.
   */
  private volatile long written;

  private volatile long visible;
  private final Object refreshing = new Object();

  /**
   * What the index holds of memories written since readers last reopened (for {@link #prepare}).
   */
  private final Map<MemoryId, Recent> recent = new ConcurrentHashMap<>();

  /** Readers reopen at the latest after this many unseen writes, which bounds {@link #recent}. */
  private static final int REFRESH_AFTER = 10_000;

  private record Recent(long generation, Existing existing) {}

  private final ScheduledExecutorService committer;
  private long lastSequence;
  private boolean dirty;
  private volatile String failure;
  private volatile boolean closed;

  /** The end of a session's conversation: its last turn number and that turn's text. */
  private record SessionTail(long turn, String text) {}

  /**
   * Upserts prepared outside the write lock: the record, vector and conversation position, and
   * whether an existing turn's text (as the next turn's context sees it) changes.
   */
  private record Prepared(
      Memory memory, float[] vector, String hash, LuceneDocuments.Turn turn, boolean reworded) {
    Prepared(Memory memory, float[] vector, String hash, LuceneDocuments.Turn turn) {
      this(memory, vector, hash, turn, false);
    }

    Prepared withTurn(LuceneDocuments.Turn t) {
      return new Prepared(memory, vector, hash, t, reworded);
    }
  }

  /** Opens (creating if needed) the store in {@code dir}. */
  public static LuceneBackend open(Path dir, Options options) {
    try {
      return new LuceneBackend(dir, options);
    } catch (IOException e) {
      throw new StoreIOException("cannot open the store at " + dir + ": " + e.getMessage(), e);
    }
  }

  private LuceneBackend(Path dir, Options options) throws IOException {
    this.dir = dir;
    this.options = options;
    this.embedder =
        options.retrieval().fusion() == RetrievalConfig.Fusion.LEXICAL_ONLY
            ? null
            : options.embedder();
    this.composer = new TextComposer(options.passageFormat());
    Files.createDirectories(dir);
    StoreMeta wanted =
        new StoreMeta(
            StoreMeta.FORMAT,
            embedder == null ? "none" : embedder.modelId(),
            embedder == null ? 0 : embedder.dimension(),
            options.analyzerName(),
            options.passageFormat().name());
    StoreMeta existing = StoreMeta.read(dir);
    if (existing == null && !isEmptyDirectory(dir)) {
      throw new StoreCorruptedException(
          dir
              + " is not an Engram store (it has files but no "
              + StoreMeta.FILE
              + "); open an empty or new directory instead",
          null);
    }
    lockChannel =
        FileChannel.open(
            dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock acquired;
    try {
      acquired = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      acquired = null;
    }
    if (acquired == null) {
      lockChannel.close();
      throw new StoreLockedException(
          "the store at "
              + dir
              + " is locked: another process (or another open store in this one)"
              + " is using it; close that first",
          null);
    }
    lock = acquired;
    boolean ok = false;
    Directory openedDirectory = null;
    IndexWriter openedWriter = null;
    Translog openedLog = null;
    Translog openedJournal = null;
    SearcherManager openedSearchers = null;
    try {
      if (options.raw()) {
        if (existing == null) {
          throw new StoreCorruptedException(
              dir + " is not an Engram store (no " + StoreMeta.FILE + ")", null);
        }
      } else if (existing != null) {
        existing.checkCompatible(wanted, dir);
      }
      openedDirectory = options.directories().apply(dir.resolve("index"));
      directory = openedDirectory;
      IndexWriterConfig config = new IndexWriterConfig(options.analyzer());
      if (options.quantizedVectors()) {
        config.setCodec(QUANTIZED);
      }
      config.setOpenMode(openMode(existing));
      config.setCommitOnClose(false);
      config.setRAMBufferSizeMB(64);
      // Every write refreshes the reader so search sees it at once; by default each refresh may
      // also
      // wait up to 500 ms for small-segment merges, which put that wait on the caller's add or
      // search.
      // Merges still run, in the background.
      config.setMaxFullFlushMergeWaitMillis(0);
      openedWriter = openWriter(config);
      writer = openedWriter;
      Map<String, String> committed = new HashMap<>();
      writer.getLiveCommitData().forEach(e -> committed.put(e.getKey(), e.getValue()));
      long fromGeneration = Long.parseLong(committed.getOrDefault(COMMIT_GENERATION, "1"));
      lastSequence = Long.parseLong(committed.getOrDefault(COMMIT_SEQUENCE, "0"));
      List<Translog.Record> replay = new ArrayList<>();
      List<Translog.Record> replayDeferred = new ArrayList<>();
      Path logDir = dir.resolve("log");
      openedLog =
          Translog.open(
              logDir,
              LOG_PREFIX,
              fromGeneration,
              options.fileOps(),
              replay,
              options.raw() ? Translog.Mode.READ_ONLY : Translog.Mode.STRICT);
      log = openedLog;
      openedJournal =
          Translog.open(
              logDir,
              JOURNAL_PREFIX,
              fromGeneration,
              options.fileOps(),
              replayDeferred,
              options.raw() ? Translog.Mode.READ_ONLY : Translog.Mode.LENIENT);
      journal = openedJournal;
      openedSearchers = new SearcherManager(writer, null);
      searchers = openedSearchers;
      hybrid = new HybridSearcher(options, embedder);
      for (Translog.Record r : replay) {
        replay(r);
      }
      // Readers opened before the replay would not see it.
      refresh();
      // Deferred records after the operations: each is kept only if still newer than what is known.
      for (Translog.Record r : replayDeferred) {
        replayDeferred(r);
      }
      flushDeferredLocked();
      int recovered = replay.size() + replayDeferred.size();
      if (options.raw()) {
        dirty = false; // never commit: the directory is only read
      } else if (recovered > 0) {
        LOG.info("recovered {} operation(s) from the log of {}", recovered, dir);
        commitLocked();
      } else if (existing == null) {
        commitLocked();
      }
      if (existing == null && !options.raw()) {
        // Written once the empty index is committed: a store with engram.json always has an index.
        wanted.write(dir);
      }
      ok = true;
    } catch (CorruptIndexException | IndexFormatTooOldException | IndexFormatTooNewException e) {
      throw new StoreCorruptedException(
          "the index of the store at " + dir + " is corrupt or unreadable: " + e.getMessage(), e);
    } finally {
      if (!ok) {
        closeQuietly(openedSearchers, openedJournal, openedLog);
        if (openedWriter != null) {
          try {
            openedWriter.rollback();
          } catch (IOException | RuntimeException e) {
            LOG.debug("rolling back the index writer of {} after a failed open", dir, e);
          }
        }
        closeQuietly(openedDirectory);
        releaseLock();
      }
    }
    long ms = options.commitInterval().toMillis();
    committer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "engram-commit " + dir.getFileName());
              t.setDaemon(true);
              return t;
            });
    committer.scheduleWithFixedDelay(this::periodicCommit, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * A store that has {@code engram.json} has committed its index (the file is written after the
   * first commit), so appending never creates one: a lost index is reported rather than silently
   * replaced by an empty one, which would delete what is left of it.
   */
  private static IndexWriterConfig.OpenMode openMode(StoreMeta existing) {
    return existing == null
        ? IndexWriterConfig.OpenMode.CREATE_OR_APPEND // a new store; foreign files were refused
        : IndexWriterConfig.OpenMode.APPEND;
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

  private void closeQuietly(AutoCloseable... resources) {
    for (AutoCloseable c : resources) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.debug("closing {} of {} after a failed open", c, dir, e);
        }
      }
    }
  }

  private IndexWriter openWriter(IndexWriterConfig config) throws IOException {
    try {
      return new IndexWriter(directory, config);
    } catch (IndexNotFoundException e) {
      throw new StoreCorruptedException(
          "the index of the store at "
              + dir
              + " is missing ("
              + e.getMessage()
              + "); restore the store from a backup — opening it empty would lose its memories",
          e);
    }
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
        if (!(name.equals("index") || name.equals("log")) || !Files.isDirectory(p)) {
          ours = false;
        }
      }
    }
    if (onlyLock) {
      return true;
    }
    return ours && logIsEmpty(dir.resolve("log")) && indexHasNoDocuments(dir.resolve("index"));
  }

  private static boolean indexHasNoDocuments(Path index) throws IOException {
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

  // ------------------------------------------------------------------------------------ writes

  /**
   * Applies a batch. The caller's interrupt is set aside while it runs and restored after: Lucene's
   * files and the log's channel are closed for good by an interrupt that reaches them mid-write.
   */
  @Override
  public List<HistoryEvent> apply(WriteBatch batch) {
    boolean interrupted = Thread.interrupted();
    try {
      if (batch.durability() == Durability.DEFERRED && batch.purges().isEmpty()) {
        return applyDeferred(batch);
      }
      return applySync(batch);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private List<HistoryEvent> applySync(WriteBatch batch) {
    checkUsable();
    if (batch.isEmpty()) {
      return List.of();
    }
    List<Prepared> prepared = prepare(batch.upserts());
    writeLock.lock();
    try {
      checkUsable();
      List<Prepared> positioned = new ArrayList<>(prepared.size());
      for (Prepared p : prepared) {
        positioned.add(p.turn() != null || !isTurn(p.memory()) ? p : withNewTurn(p));
      }
      List<Prepared> rewritten = withNeighbourContext(batch.purges(), positioned);
      List<HistoryEvent> numbered = new ArrayList<>(batch.events().size());
      long seq = lastSequence;
      for (HistoryEvent e : batch.events()) {
        numbered.add(e.withSequence(++seq));
      }
      byte[] record = encode(batch.purges(), rewritten, numbered);
      try {
        // Forced before the change is acknowledged, deferred or not: the operation log only holds
        // records that were on disk, so damage anywhere but its very end is corruption.
        log.append(record, true);
      } catch (IOException e) {
        // Nothing was applied and the log was cut back; the store stays usable.
        forgetTurns(positioned);
        throw new StoreIOException(
            "could not write the operation log of " + dir + ": " + e.getMessage(), e);
      }
      try {
        applyToIndex(batch.purges(), rewritten, numbered);
        lastSequence = seq;
        dirty = true;
        if (recent.size() >= REFRESH_AFTER) {
          refresh();
        }
      } catch (IOException | RuntimeException e) {
        // The log holds the change, so reopening recovers it; this instance cannot go on safely.
        failure = "an index write failed (" + e.getMessage() + ")";
        throw new StoreIOException(
            "the store at "
                + dir
                + " could not apply a change to its index ("
                + e.getMessage()
                + "); the change is in the operation log and is recovered when the store is reopened",
            e instanceof IOException io ? io : new IOException(e));
      }
      // Only now does the index show the new values: readers no longer need the overlay's.
      forgetDeferred(batch.purges(), batch.upserts());
      if (log.size() > ROLL_BYTES) {
        commitQuietly("the operation log grew past " + ROLL_BYTES + " bytes");
      }
      return numbered;
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * A deferred write (a search reinforcing what it returned): journaled without forcing the disk,
   * visible at once through the overlay, indexed in bulk later. It is bookkeeping the caller never
   * asked for, so a store that cannot write drops it with a warning rather than failing the search.
   */
  private List<HistoryEvent> applyDeferred(WriteBatch batch) {
    if (batch.isEmpty()) {
      return List.of();
    }
    writeLock.lock();
    try {
      if (closed || failure != null || options.raw()) {
        LOG.debug("store {} cannot write; a deferred write is dropped", dir);
        return List.of();
      }
      List<Memory> accepted = new ArrayList<>(batch.upserts().size());
      Set<MemoryId> known = new java.util.HashSet<>();
      IndexSearcher s = acquire();
      try {
        for (Memory m : batch.upserts()) {
          Memory current = current(s, m.id());
          // A purge or a newer write may have overtaken this one.
          if (current != null && isNewer(m, current)) {
            accepted.add(m);
          }
          if (current != null) {
            known.add(m.id());
          }
        }
        for (HistoryEvent e : batch.events()) {
          if (!known.contains(e.memoryId()) && current(s, e.memoryId()) != null) {
            known.add(e.memoryId());
          }
        }
      } catch (IOException e) {
        throw readFailure(e);
      } finally {
        release(s);
      }
      List<HistoryEvent> numbered = new ArrayList<>(batch.events().size());
      long seq = lastSequence;
      for (HistoryEvent e : batch.events()) {
        if (known.contains(e.memoryId())) {
          numbered.add(e.withSequence(++seq));
        }
      }
      if (accepted.isEmpty() && numbered.isEmpty()) {
        return List.of();
      }
      try {
        journal.append(encodeDeferred(accepted, numbered), false);
        if (journalFailing) {
          journalFailing = false;
          LOG.info("the deferred journal of {} accepts writes again", dir);
        }
      } catch (IOException e) {
        if (!journalFailing) {
          journalFailing = true;
          LOG.warn(
              "could not journal recall statistics of {} ({}); they are kept in memory and indexed"
                  + " at the next commit, but a crash before it loses them",
              dir,
              e.getMessage());
        }
      }
      accepted.forEach(m -> deferred.put(m.id(), m));
      deferredEvents.addAll(numbered);
      lastSequence = seq;
      dirty = true;
      if (journal.size() > ROLL_BYTES) {
        commitQuietly("the deferred journal grew past " + ROLL_BYTES + " bytes");
      } else if (deferred.size() >= DEFERRED_FLUSH) {
        try {
          flushDeferredLocked();
        } catch (StoreIOException e) {
          LOG.warn("could not index deferred writes of {}: {}", dir, e.getMessage());
        }
      }
      return numbered;
    } finally {
      writeLock.unlock();
    }
  }

  /** The stored memory as readers see it (index and overlay), or {@code null} if there is none. */
  private Memory current(IndexSearcher s, MemoryId id) throws IOException {
    TopDocs top = s.search(memoryById(id), 1);
    return top.scoreDocs.length == 0 ? null : resolve(decode(s, top.scoreDocs[0].doc));
  }

  /**
   * Whether {@code a} is a later state of the same memory than {@code b}: a higher version, or the
   * same version recalled more often (recall statistics do not bump the version).
   */
  private static boolean isNewer(Memory a, Memory b) {
    return a.version() > b.version()
        || (a.version() == b.version() && a.accessCount() > b.accessCount());
  }

  /** After a write reached readers, overlay entries it superseded are dropped. */
  private void forgetDeferred(List<MemoryId> purges, List<Memory> upserts) {
    for (MemoryId id : purges) {
      deferred.remove(id);
    }
    for (Memory m : upserts) {
      Memory d = deferred.get(m.id());
      if (d != null && !isNewer(d, m)) {
        deferred.remove(m.id(), d);
      }
    }
    if (!purges.isEmpty()) {
      Set<MemoryId> gone = Set.copyOf(purges);
      deferredEvents.removeIf(e -> gone.contains(e.memoryId()));
    }
  }

  /** Writes the overlay and deferred events into the index and refreshes readers. */
  private void flushDeferredLocked() {
    if (deferred.isEmpty() && deferredEvents.isEmpty()) {
      return;
    }
    List<Memory> pending = List.copyOf(deferred.values());
    try {
      List<Memory> newer = new ArrayList<>(pending.size());
      List<HistoryEvent> events = new ArrayList<>(deferredEvents.size());
      IndexSearcher s = acquire();
      try {
        for (Memory m : pending) {
          TopDocs top = s.search(memoryById(m.id()), 1);
          if (top.scoreDocs.length > 0 && isNewer(m, decode(s, top.scoreDocs[0].doc))) {
            newer.add(m);
          }
        }
        for (HistoryEvent e : deferredEvents) {
          // Never bring back the history of a memory purged meanwhile.
          if (s.count(memoryById(e.memoryId())) > 0) {
            events.add(e);
          }
        }
      } finally {
        release(s);
      }
      applyToIndex(List.of(), prepare(newer), events);
      refresh();
    } catch (IOException | RuntimeException e) {
      if (failure == null) {
        failure = "an index write failed (" + e.getMessage() + ")";
      }
      throw new StoreIOException(
          "the store at " + dir + " could not index deferred writes: " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
    pending.forEach(m -> deferred.remove(m.id(), m));
    deferredEvents.clear();
  }

  /** The newest value of a memory read from the index. */
  Memory resolve(Memory indexed) {
    Memory newer = deferred.get(indexed.id());
    return newer != null && isNewer(newer, indexed) ? newer : indexed;
  }

  /**
   * Before a read the overlay cannot answer exactly — listing, counting, history, or a filter on a
   * field deferred writes change — the deferred writes are indexed. A store that cannot write
   * answers from the index as it is.
   */
  private void flushForRead(Filter filter) {
    if (deferred.isEmpty() && deferredEvents.isEmpty()) {
      return;
    }
    if (filter != null && !references(filter)) {
      return;
    }
    boolean interrupted = Thread.interrupted();
    writeLock.lock();
    try {
      if (!closed && failure == null) {
        flushDeferredLocked();
      }
    } catch (StoreIOException e) {
      LOG.warn("{}; reading the index as it is", e.getMessage());
    } finally {
      writeLock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static boolean references(Filter f) {
    return switch (f) {
      case Filter.Comparison c -> DEFERRED_FIELDS.contains(c.field().name());
      case Filter.In in -> DEFERRED_FIELDS.contains(in.field().name());
      case Filter.Contains c -> DEFERRED_FIELDS.contains(c.field().name());
      case Filter.Exists e -> false;
      case Filter.And a -> a.filters().stream().anyMatch(LuceneBackend::references);
      case Filter.Or o -> o.filters().stream().anyMatch(LuceneBackend::references);
      case Filter.Not n -> references(n.filter());
      case Filter.MatchAll m -> false;
    };
  }

  private void commitQuietly(String why) {
    try {
      commitLocked();
    } catch (IOException | RuntimeException e) {
      // The change itself is durable in the log; only trimming it is postponed.
      LOG.warn("commit of {} after {} failed: {}", dir, why, e.getMessage());
    }
  }

  private static boolean isTurn(Memory m) {
    return m.kind() == Kind.EPISODIC && m.scope().sessionId() != null;
  }

  /** Vectors (reused when the embedded text did not change) and kept conversation positions. */
  private List<Prepared> prepare(List<Memory> upserts) {
    List<Prepared> out = new ArrayList<>(upserts.size());
    List<Integer> toEmbed = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    // Without reopening readers: what they do not show yet is in recent.
    IndexSearcher s = acquireAsIs();
    try {
      for (Memory m : upserts) {
        String text = embedder == null ? null : composer.embedded(m);
        String hash = text == null ? null : hash(text);
        Recent r = recent.get(m.id());
        Existing old = r != null ? r.existing() : existing(s, m.id());
        float[] vector = null;
        if (embedder != null) {
          if (old != null && hash.equals(old.hash()) && old.vector() != null) {
            vector = old.vector();
          } else {
            toEmbed.add(out.size());
            texts.add(text);
          }
        }
        boolean reworded =
            old != null
                && old.turn() != null
                && !TextComposer.asPrevious(m).equals(old.previousForm());
        out.add(new Prepared(m, vector, hash, old == null ? null : old.turn(), reworded));
      }
    } catch (IOException e) {
      throw new StoreIOException("could not read the index of " + dir + ": " + e.getMessage(), e);
    } finally {
      release(s);
    }
    if (!toEmbed.isEmpty()) {
      List<float[]> vectors =
          texts.size() == 1 ? List.of(embedder.embed(texts.get(0))) : embedder.embedAll(texts);
      for (int i = 0; i < toEmbed.size(); i++) {
        int at = toEmbed.get(i);
        Prepared p = out.get(at);
        out.set(at, new Prepared(p.memory(), vectors.get(i), p.hash(), p.turn(), p.reworded()));
      }
    }
    return out;
  }

  /** What the index holds for a memory that is being rewritten. */
  private record Existing(
      String hash, float[] vector, LuceneDocuments.Turn turn, String previousForm) {}

  private Existing existing(IndexSearcher s, MemoryId id) throws IOException {
    TopDocs top = s.search(memoryById(id), 1);
    if (top.scoreDocs.length == 0) {
      return null;
    }
    int doc = top.scoreDocs[0].doc;
    Document stored =
        s.storedFields()
            .document(
                doc,
                Set.of(Fields.EMBEDDED_HASH, Fields.TURN, Fields.PREVIOUS_STORED, Fields.RECORD));
    LuceneDocuments.Turn turn = null;
    String previousForm = null;
    if (stored.getField(Fields.TURN) != null) {
      Memory m = MemoryCodec.memoryFromJson(stored.get(Fields.RECORD));
      turn =
          new LuceneDocuments.Turn(
              LuceneDocuments.sessionKey(m.scope()),
              stored.getField(Fields.TURN).numericValue().longValue(),
              stored.get(Fields.PREVIOUS_STORED));
      previousForm = TextComposer.asPrevious(m);
    }
    return new Existing(stored.get(Fields.EMBEDDED_HASH), vectorOf(s, doc), turn, previousForm);
  }

  private static float[] vectorOf(IndexSearcher s, int doc) throws IOException {
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

  /** A new conversation turn: the next number in its session, and the previous turn as context. */
  private Prepared withNewTurn(Prepared p) {
    Memory m = p.memory();
    String key = LuceneDocuments.sessionKey(m.scope());
    SessionTail tail = sessions.computeIfAbsent(key, this::loadTail);
    LuceneDocuments.Turn turn = new LuceneDocuments.Turn(key, tail.turn() + 1, tail.text());
    sessions.put(key, new SessionTail(turn.number(), TextComposer.asPrevious(m)));
    return new Prepared(m, p.vector(), p.hash(), turn);
  }

  /**
   * The batch's upserts plus rewrites of the turns whose previous-turn context the batch changes: a
   * purged or re-worded turn must not live on in the next turn's context field, where BM25 would
   * still match it.
   */
  private List<Prepared> withNeighbourContext(List<MemoryId> purges, List<Prepared> positioned) {
    Set<String> touched = new java.util.LinkedHashSet<>();
    for (Prepared p : positioned) {
      if (p.reworded()) {
        touched.add(p.turn().sessionKey());
      }
    }
    if (touched.isEmpty() && purges.isEmpty()) {
      return positioned; // the usual case: nothing to read, and no reason to reopen readers
    }
    IndexSearcher s = acquire();
    try {
      for (MemoryId id : purges) {
        String key = sessionKeyOf(s, id);
        if (key != null) {
          touched.add(key);
        }
      }
      if (touched.isEmpty()) {
        return positioned;
      }
      Set<MemoryId> purged = Set.copyOf(purges);
      Map<MemoryId, Integer> inBatch = new HashMap<>();
      for (int i = 0; i < positioned.size(); i++) {
        inBatch.put(positioned.get(i).memory().id(), i);
      }
      List<Prepared> out = new ArrayList<>(positioned);
      for (String key : touched) {
        sessions.remove(key);
        Query q =
            new BooleanQuery.Builder()
                .add(MEMORIES, Occur.FILTER)
                .add(new TermQuery(new Term(SESSION_INDEX, key)), Occur.FILTER)
                .build();
        int n = s.count(q);
        if (n == 0) {
          continue;
        }
        TopDocs top = s.search(q, n, new Sort(new SortField(Fields.TURN, SortField.Type.LONG)));
        String previous = null;
        for (ScoreDoc d : top.scoreDocs) {
          Document doc =
              s.storedFields()
                  .document(
                      d.doc,
                      Set.of(
                          Fields.RECORD,
                          Fields.TURN,
                          Fields.PREVIOUS_STORED,
                          Fields.EMBEDDED_HASH));
          Memory m = resolve(MemoryCodec.memoryFromJson(doc.get(Fields.RECORD)));
          if (purged.contains(m.id())) {
            continue;
          }
          long number = doc.getField(Fields.TURN).numericValue().longValue();
          LuceneDocuments.Turn wanted = new LuceneDocuments.Turn(key, number, previous);
          Integer at = inBatch.get(m.id());
          if (at != null) {
            Prepared p = out.get(at);
            if (!Objects.equals(p.turn().previousText(), previous)) {
              out.set(at, p.withTurn(wanted));
            }
            previous = TextComposer.asPrevious(p.memory());
          } else {
            if (!Objects.equals(doc.get(Fields.PREVIOUS_STORED), previous)) {
              out.add(new Prepared(m, vectorOf(s, d.doc), doc.get(Fields.EMBEDDED_HASH), wanted));
            }
            previous = TextComposer.asPrevious(m);
          }
        }
      }
      return out;
    } catch (IOException e) {
      throw new StoreIOException("could not read the index of " + dir + ": " + e.getMessage(), e);
    } finally {
      release(s);
    }
  }

  /** The session key of an indexed conversation turn, or {@code null}. */
  private static String sessionKeyOf(IndexSearcher s, MemoryId id) throws IOException {
    TopDocs top = s.search(memoryById(id), 1);
    if (top.scoreDocs.length == 0) {
      return null;
    }
    Document d =
        s.storedFields().document(top.scoreDocs[0].doc, Set.of(Fields.TURN, Fields.RECORD));
    if (d.getField(Fields.TURN) == null) {
      return null;
    }
    return LuceneDocuments.sessionKey(MemoryCodec.memoryFromJson(d.get(Fields.RECORD)).scope());
  }

  /** After a failed write, turn numbers handed out for it are taken back. */
  private void forgetTurns(List<Prepared> positioned) {
    for (Prepared p : positioned) {
      if (p.turn() != null) {
        sessions.remove(p.turn().sessionKey());
      }
    }
  }

  private SessionTail loadTail(String sessionKey) {
    IndexSearcher s = acquire();
    try {
      Query q =
          new BooleanQuery.Builder()
              .add(MEMORIES, Occur.FILTER)
              .add(new TermQuery(new Term(SESSION_INDEX, sessionKey)), Occur.FILTER)
              .build();
      TopDocs top = s.search(q, 1, new Sort(new SortField(Fields.TURN, SortField.Type.LONG, true)));
      if (top.scoreDocs.length == 0) {
        return new SessionTail(0, null);
      }
      Document d =
          s.storedFields().document(top.scoreDocs[0].doc, Set.of(Fields.TURN, Fields.RECORD));
      Memory m = MemoryCodec.memoryFromJson(d.get(Fields.RECORD));
      return new SessionTail(
          d.getField(Fields.TURN).numericValue().longValue(), TextComposer.asPrevious(m));
    } catch (IOException e) {
      throw new StoreIOException("could not read the index of " + dir + ": " + e.getMessage(), e);
    } finally {
      release(s);
    }
  }

  private void applyToIndex(
      List<MemoryId> purges, List<Prepared> upserts, List<HistoryEvent> events) throws IOException {
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
                  p.turn(),
                  p.turn() == null ? null : TextComposer.asPrevious(p.memory()))));
    }
    for (Prepared p : upserts) {
      Document d =
          LuceneDocuments.memory(
              p.memory(),
              MemoryCodec.toJson(p.memory()),
              composer.content(p.memory()),
              p.vector(),
              p.hash(),
              p.turn(),
              embedder != null && !options.raw());
      Term key = new Term(Fields.MEMORY_KEY, p.memory().id().value());
      d.add(new StringField(Fields.MEMORY_KEY, p.memory().id().value(), Field.Store.NO));
      if (p.turn() != null) {
        d.add(new StringField(SESSION_INDEX, p.turn().sessionKey(), Field.Store.NO));
      }
      writer.updateDocument(key, d);
    }
    for (HistoryEvent e : events) {
      // Keyed by sequence, so replaying a record twice cannot duplicate an event.
      writer.updateDocument(
          new Term(Fields.SEQ + "_key", Long.toString(e.sequence())), LuceneDocuments.event(e));
    }
    written = generation;
  }

  /**
   * Reopens readers on every write so far; they then need nothing from {@link #recent}. Reopening
   * writes the buffered documents as a segment, so the caller's interrupt is set aside meanwhile.
   */
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
        recent.values().removeIf(r -> r.generation() <= target);
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ------------------------------------------------------------------------------------ log
  // records

  private static byte[] encode(
      List<MemoryId> purges, List<Prepared> upserts, List<HistoryEvent> events) {
    ObjectNode root = MemoryCodec.mapper().createObjectNode();
    ArrayNode p = root.putArray("purges");
    purges.forEach(id -> p.add(id.value()));
    ArrayNode u = root.putArray("upserts");
    for (Prepared x : upserts) {
      ObjectNode o = u.addObject();
      o.set("memory", MemoryCodec.toTree(x.memory()));
      if (x.vector() != null) {
        ByteBuffer buf = ByteBuffer.allocate(x.vector().length * 4);
        buf.asFloatBuffer().put(x.vector());
        o.put("vector", Base64.getEncoder().encodeToString(buf.array()));
        o.put("hash", x.hash());
      }
      if (x.turn() != null) {
        o.put("session", x.turn().sessionKey());
        o.put("turn", x.turn().number());
        if (x.turn().previousText() != null) {
          o.put("previous", x.turn().previousText());
        }
      }
    }
    ArrayNode e = root.putArray("events");
    events.forEach(ev -> e.add(MemoryCodec.toTree(ev)));
    try {
      return MemoryCodec.mapper().writeValueAsBytes(root);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static byte[] encodeDeferred(List<Memory> memories, List<HistoryEvent> events) {
    ObjectNode root = MemoryCodec.mapper().createObjectNode();
    ArrayNode m = root.putArray("memories");
    memories.forEach(x -> m.add(MemoryCodec.toTree(x)));
    ArrayNode e = root.putArray("events");
    events.forEach(ev -> e.add(MemoryCodec.toTree(ev)));
    try {
      return MemoryCodec.mapper().writeValueAsBytes(root);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /** A journal record: kept where it is still newer than what the operation log left. */
  private void replayDeferred(Translog.Record r) throws IOException {
    List<Memory> memories = new ArrayList<>();
    List<HistoryEvent> events = new ArrayList<>();
    try {
      JsonNode root = MemoryCodec.mapper().readTree(r.payload());
      for (JsonNode n : root.path("memories")) {
        memories.add(MemoryCodec.memoryFromTree(n));
      }
      root.path("events").forEach(n -> events.add(MemoryCodec.eventFromTree(n)));
    } catch (IOException | RuntimeException e) {
      // The journal promises no more than what checks out: a record that does not is dropped.
      LOG.warn(
          "a deferred-journal record of {} (generation {}) cannot be read and is dropped: {}",
          dir,
          r.generation(),
          e.getMessage());
      return;
    }
    IndexSearcher s = acquire();
    try {
      for (Memory m : memories) {
        Memory current = current(s, m.id());
        if (current != null && isNewer(m, current)) {
          deferred.put(m.id(), m);
        }
      }
    } finally {
      release(s);
    }
    for (HistoryEvent e : events) {
      deferredEvents.add(e);
      lastSequence = Math.max(lastSequence, e.sequence());
    }
    dirty = true;
  }

  private void replay(Translog.Record r) throws IOException {
    JsonNode root;
    List<MemoryId> purges = new ArrayList<>();
    List<Prepared> upserts = new ArrayList<>();
    List<HistoryEvent> events = new ArrayList<>();
    try {
      root = MemoryCodec.mapper().readTree(r.payload());
      root.path("purges").forEach(n -> purges.add(MemoryId.of(n.asText())));
      for (JsonNode o : root.path("upserts")) {
        Memory m = MemoryCodec.memoryFromTree(o.get("memory"));
        float[] vector = null;
        if (o.hasNonNull("vector")) {
          ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(o.get("vector").asText()));
          vector = new float[buf.remaining() / 4];
          buf.asFloatBuffer().get(vector);
        }
        LuceneDocuments.Turn turn =
            o.hasNonNull("turn")
                ? new LuceneDocuments.Turn(
                    o.get("session").asText(),
                    o.get("turn").asLong(),
                    o.hasNonNull("previous") ? o.get("previous").asText() : null)
                : null;
        upserts.add(
            new Prepared(m, vector, o.hasNonNull("hash") ? o.get("hash").asText() : null, turn));
      }
      root.path("events").forEach(n -> events.add(MemoryCodec.eventFromTree(n)));
    } catch (IOException | RuntimeException e) {
      throw new StoreCorruptedException(
          "an operation-log record of "
              + dir
              + " (generation "
              + r.generation()
              + ") passed its checksum"
              + " but cannot be read: "
              + e.getMessage(),
          e);
    }
    List<Prepared> vectors = new ArrayList<>(upserts.size());
    for (Prepared p : upserts) {
      // A record written by a lexical-only store replayed into one with embeddings: embed now
      // (not when only reading, which needs no vectors).
      if (embedder != null && p.vector() == null && !options.raw()) {
        String text = composer.embedded(p.memory());
        vectors.add(new Prepared(p.memory(), embedder.embed(text), hash(text), p.turn()));
      } else {
        vectors.add(p);
      }
    }
    applyToIndex(purges, vectors, events);
    for (HistoryEvent e : events) {
      lastSequence = Math.max(lastSequence, e.sequence());
    }
    sessions.clear();
    dirty = true;
  }

  // ------------------------------------------------------------------------------------ commits

  private void periodicCommit() {
    if (closed || failure != null || options.raw()) {
      return;
    }
    writeLock.lock();
    try {
      if (dirty && !closed) {
        commitLocked();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("periodic commit of {} failed; the operation log still holds every change", dir, e);
    } finally {
      writeLock.unlock();
    }
  }

  /** Commits the index and starts a new log generation; older generations become redundant. */
  private void commitLocked() throws IOException {
    flushDeferredLocked(); // the journal generations being retired hold them
    long next = log.roll();
    journal.rollTo(Math.max(next, journal.generation() + 1));
    writer.setLiveCommitData(
        Map.of(COMMIT_GENERATION, Long.toString(next), COMMIT_SEQUENCE, Long.toString(lastSequence))
            .entrySet());
    writer.commit();
    log.trim(next);
    journal.trim(next);
    dirty = false;
  }

  // ------------------------------------------------------------------------------------ reads

  /**
   * A reader that sees every write so far. If the index cannot take the latest writes (a full disk,
   * say), the store stops accepting writes and reads go on from the index as it was: those writes
   * are in the operation log, and reopening the store recovers them.
   */
  private IndexSearcher acquire() {
    checkOpen();
    if (visible < written && failure == null) {
      try {
        refresh();
      } catch (IOException | RuntimeException e) {
        failure = "an index write failed (" + e.getMessage() + ")";
        LOG.warn(
            "the index of {} cannot take the latest writes ({}); they are in the operation log and"
                + " are recovered when the store is reopened; until then reads do not show them",
            dir,
            e.getMessage());
      }
    }
    try {
      return searchers.acquire();
    } catch (IOException e) {
      throw new StoreIOException("could not open a reader on " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The current reader, which may not show the latest writes (see {@link #recent}). */
  private IndexSearcher acquireAsIs() {
    checkOpen();
    try {
      return searchers.acquire();
    } catch (IOException e) {
      throw new StoreIOException("could not open a reader on " + dir + ": " + e.getMessage(), e);
    }
  }

  private void release(IndexSearcher s) {
    try {
      searchers.release(s);
    } catch (IOException e) {
      LOG.warn("could not release a searcher of {}", dir, e);
    }
  }

  private static Query memoryById(MemoryId id) {
    return new BooleanQuery.Builder()
        .add(MEMORIES, Occur.FILTER)
        .add(new TermQuery(new Term(Fields.ID, id.value())), Occur.FILTER)
        .build();
  }

  private static Memory decode(IndexSearcher s, int doc) throws IOException {
    return MemoryCodec.memoryFromJson(
        s.storedFields().document(doc, Set.of(Fields.RECORD)).get(Fields.RECORD));
  }

  @Override
  public Optional<Memory> get(MemoryId id) {
    IndexSearcher s = acquire();
    try {
      TopDocs top = s.search(memoryById(id), 1);
      return top.scoreDocs.length == 0
          ? Optional.empty()
          : Optional.of(resolve(decode(s, top.scoreDocs[0].doc)));
    } catch (IOException e) {
      throw readFailure(e);
    } finally {
      release(s);
    }
  }

  @Override
  public List<Memory> list(ListQuery query) {
    flushForRead(null);
    IndexSearcher s = acquire();
    try {
      BooleanQuery.Builder q =
          new BooleanQuery.Builder()
              .add(MEMORIES, Occur.FILTER)
              .add(FilterTranslator.translate(query.filter()), Occur.FILTER);
      if (query.afterCreatedAt() != null) {
        q.add(resumeAfter(query), Occur.FILTER);
      }
      boolean desc = query.descending();
      Sort sort =
          new Sort(
              LongField.newSortField("createdAt", desc, SortedNumericSelector.Type.MIN),
              KeywordField.newSortField(Fields.ID, desc, SortedSetSelector.Type.MIN));
      TopDocs top = s.search(q.build(), query.limit(), sort);
      List<Memory> out = new ArrayList<>(top.scoreDocs.length);
      for (ScoreDoc d : top.scoreDocs) {
        out.add(resolve(decode(s, d.doc)));
      }
      return out;
    } catch (IOException e) {
      throw readFailure(e);
    } finally {
      release(s);
    }
  }

  /** createdAt after the resume point, or equal with a later id (reversed when descending). */
  private static Query resumeAfter(ListQuery query) {
    long at = LuceneDocuments.nanos(query.afterCreatedAt());
    BytesRef id = new BytesRef(query.afterId().value());
    Query later =
        query.descending()
            ? LongField.newRangeQuery("createdAt", Long.MIN_VALUE, at - 1)
            : LongField.newRangeQuery("createdAt", at + 1, Long.MAX_VALUE);
    Query sameTimeLaterId =
        new BooleanQuery.Builder()
            .add(LongField.newExactQuery("createdAt", at), Occur.FILTER)
            .add(
                query.descending()
                    ? new TermRangeQuery(Fields.ID, null, id, true, false)
                    : new TermRangeQuery(Fields.ID, id, null, false, true),
                Occur.FILTER)
            .build();
    return new BooleanQuery.Builder()
        .add(later, Occur.SHOULD)
        .add(sameTimeLaterId, Occur.SHOULD)
        .setMinimumNumberShouldMatch(1)
        .build();
  }

  @Override
  public long count(Filter filter) {
    flushForRead(null);
    IndexSearcher s = acquire();
    try {
      return s.count(
          new BooleanQuery.Builder()
              .add(MEMORIES, Occur.FILTER)
              .add(FilterTranslator.translate(filter), Occur.FILTER)
              .build());
    } catch (IOException e) {
      throw readFailure(e);
    } finally {
      release(s);
    }
  }

  @Override
  public List<Candidate> search(BackendQuery query) {
    flushForRead(query.filter());
    IndexSearcher s = acquire();
    try {
      Query filter =
          new BooleanQuery.Builder()
              .add(MEMORIES, Occur.FILTER)
              .add(FilterTranslator.translate(query.filter()), Occur.FILTER)
              .build();
      return hybrid.search(s, query.text(), filter, query.limit(), this::resolve);
    } catch (IOException e) {
      throw readFailure(e);
    } finally {
      release(s);
    }
  }

  @Override
  public List<HistoryEvent> history(MemoryId id) {
    return events(
        new BooleanQuery.Builder()
            .add(EVENTS, Occur.FILTER)
            .add(new TermQuery(new Term(Fields.ID, id.value())), Occur.FILTER)
            .build(),
        Integer.MAX_VALUE);
  }

  @Override
  public List<HistoryEvent> history(Scope scope, long afterSequence, int limit) {
    return events(
        new BooleanQuery.Builder()
            .add(EVENTS, Occur.FILTER)
            .add(FilterTranslator.translate(Filter.of(scope)), Occur.FILTER)
            .add(
                LongField.newRangeQuery(Fields.SEQ, afterSequence + 1, Long.MAX_VALUE),
                Occur.FILTER)
            .build(),
        limit);
  }

  private List<HistoryEvent> events(Query q, int limit) {
    flushForRead(null);
    IndexSearcher s = acquire();
    try {
      int n = Math.max(1, Math.min(limit, Math.max(1, s.getIndexReader().maxDoc())));
      TopDocs top =
          s.search(
              q,
              n,
              new Sort(LongField.newSortField(Fields.SEQ, false, SortedNumericSelector.Type.MIN)));
      List<HistoryEvent> out = new ArrayList<>(top.scoreDocs.length);
      for (ScoreDoc d : top.scoreDocs) {
        out.add(
            MemoryCodec.eventFromJson(
                s.storedFields().document(d.doc, Set.of(Fields.RECORD)).get(Fields.RECORD)));
      }
      return out;
    } catch (IOException e) {
      throw readFailure(e);
    } finally {
      release(s);
    }
  }

  @Override
  public long lastSequence() {
    writeLock.lock();
    try {
      return lastSequence;
    } finally {
      writeLock.unlock();
    }
  }

  // ------------------------------------------------------------------------------------ lifecycle

  /** Commits now (tests and tools; the backend commits on its own schedule otherwise). */
  public void commit() {
    writeLock.lock();
    try {
      checkUsable();
      commitLocked();
    } catch (IOException e) {
      throw new StoreIOException("could not commit the store at " + dir + ": " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  /** The embedder this store uses, or {@code null} for a lexical-only store. */
  public Embedder embedder() {
    return embedder;
  }

  /**
   * Every memory in the store, oldest first, for rebuilding an index ({@code
   * EmbeddedMemory.reindex}).
   */
  public void forEachMemory(java.util.function.Consumer<Memory> action) {
    ListQuery page = ListQuery.first(Filter.all(), 500);
    while (true) {
      List<Memory> batch = list(page);
      batch.forEach(action);
      if (batch.size() < page.limit()) {
        return;
      }
      Memory last = batch.get(batch.size() - 1);
      page = new ListQuery(Filter.all(), last.createdAt(), last.id(), 500, false);
    }
  }

  /** Every history event, in sequence order (for rebuilding a store). */
  public void forEachEvent(java.util.function.Consumer<HistoryEvent> action) {
    long after = 0;
    while (true) {
      List<HistoryEvent> page =
          events(
              new BooleanQuery.Builder()
                  .add(EVENTS, Occur.FILTER)
                  .add(LongField.newRangeQuery(Fields.SEQ, after + 1, Long.MAX_VALUE), Occur.FILTER)
                  .build(),
              1000);
      page.forEach(action);
      if (page.size() < 1000) {
        return;
      }
      after = page.get(page.size() - 1).sequence();
    }
  }

  /**
   * Writes memories and already-numbered events as they are (for rebuilding a store), durably and
   * without renumbering.
   */
  public void importRecords(List<Memory> memories, List<HistoryEvent> events) {
    checkUsable();
    List<Prepared> prepared = prepare(memories);
    writeLock.lock();
    try {
      List<Prepared> positioned = new ArrayList<>(prepared.size());
      for (Prepared p : prepared) {
        positioned.add(p.turn() != null || !isTurn(p.memory()) ? p : withNewTurn(p));
      }
      log.append(encode(List.of(), positioned, events), true);
      applyToIndex(List.of(), positioned, events);
      for (HistoryEvent e : events) {
        lastSequence = Math.max(lastSequence, e.sequence());
      }
      dirty = true;
      forgetDeferred(List.of(), memories);
    } catch (IOException | RuntimeException e) {
      failure = "an import failed (" + e.getMessage() + ")";
      throw new StoreIOException(
          "could not import into the store at " + dir + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    } finally {
      writeLock.unlock();
    }
  }

  private StoreIOException readFailure(IOException e) {
    return new StoreIOException("could not read the store at " + dir + ": " + e.getMessage(), e);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the store at " + dir + " is closed");
    }
  }

  private void checkUsable() {
    checkOpen();
    if (failure != null) {
      throw new StoreIOException(
          "the store at "
              + dir
              + " stopped accepting writes after "
              + failure
              + "; close and reopen it",
          null);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    // Let a running periodic commit finish: interrupting it would close the log's channel.
    committer.shutdown();
    try {
      if (!committer.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("a periodic commit of {} is still running; closing anyway", dir);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writeLock.lock();
    try {
      // The final commit indexes gathered recall statistics, which reads the index: before closing.
      if (failure == null && dirty && !options.raw()) {
        try {
          commitLocked();
        } catch (IOException | RuntimeException e) {
          LOG.warn("final commit of {} failed; the operation log still holds every change", dir, e);
        }
      }
      closed = true;
      try {
        searchers.close();
      } catch (IOException e) {
        LOG.warn("closing the searchers of {}", dir, e);
      }
      try {
        writer.rollback(); // everything durable is committed or in the log
      } catch (IOException e) {
        LOG.warn("closing the index writer of {}", dir, e);
      }
      try {
        log.close();
      } catch (IOException e) {
        LOG.warn("closing the operation log of {}", dir, e);
      }
      try {
        journal.close();
      } catch (IOException e) {
        LOG.warn("closing the deferred journal of {}", dir, e);
      }
      try {
        directory.close();
      } catch (IOException e) {
        LOG.warn("closing the index directory of {}", dir, e);
      }
    } finally {
      writeLock.unlock();
      releaseLock();
    }
  }

  private void releaseLock() {
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
      lockChannel.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not release the lock of {}", dir, e);
    }
  }

  static String hash(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The default way to open the index directory. */
  public static Directory openDirectory(Path path) {
    try {
      return FSDirectory.open(path);
    } catch (IOException e) {
      throw new StoreIOException("cannot open the index directory " + path + ": " + e, e);
    }
  }
}
