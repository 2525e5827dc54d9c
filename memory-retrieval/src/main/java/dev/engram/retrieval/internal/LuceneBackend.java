package dev.engram.retrieval.internal;

import dev.engram.StoreCorruptedException;
import dev.engram.StoreIOException;
import dev.engram.backend.BackendCapability;
import dev.engram.backend.CandidateQuery;
import dev.engram.backend.Candidates;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.MemoryCodec;
import dev.engram.backend.WriteBatch;
import dev.engram.embed.Embedder;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.retrieval.PassageFormat;
import dev.engram.retrieval.RetrievalConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortedNumericSelector;
import org.apache.lucene.search.SortedSetSelector;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: one Lucene index per directory holding every memory (BM25 fields, an HNSW
 * vector, exact filter fields and the full record), another holding every history event (where
 * searches never go), made durable between Lucene commits by an fsynced operation log that is
 * replayed on open.
 *
 * <p>Directory layout: {@code engram.json} (what built the store), {@code engram.lock} (held while
 * open), {@code index/} (Lucene, memories), {@code history/} (Lucene, events) and {@code
 * log/translog-N.tlog} (the operation log, every record forced to disk before it is acknowledged).
 * Its parts: {@link StoreDirectory} (metadata and lock), {@link OperationLog}, {@link LuceneIndex}
 * (writer and readers), {@link HistoryIndex}, {@link TurnContext} (the previous-turn field) and
 * {@link LuceneCandidates} (the candidate lists).
 */
public final class LuceneBackend implements MemoryBackend {
  private static final Logger LOG = LoggerFactory.getLogger(LuceneBackend.class);
  private static final String COMMIT_GENERATION = "engram.translogGeneration";
  private static final String COMMIT_SEQUENCE = "engram.lastSequence";
  private static final long ROLL_BYTES = 64L * 1024 * 1024;

  /**
   * What the backend is opened with.
   *
   * @param embedder the embedding model, or {@code null} for a lexical-only store
   * @param analyzer the analyzer of the BM25 fields
   * @param analyzerName the analyzer's name, recorded in {@code engram.json}
   * @param retrieval how the lexical list is formed
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
  private final StoreDirectory store;
  private final LuceneIndex index;
  private final HistoryIndex history;
  private final OperationLog log;
  private final TurnContext turns = new TurnContext();
  private final LuceneCandidates candidates;
  private final PassageFormat passages;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ScheduledExecutorService committer;
  private final boolean readOnly;
  private long lastSequence;
  private boolean dirty;

  /** Writes were committed since the last idle tick looked at the index's segments. */
  private boolean wroteSinceIdle;

  private volatile String failure;
  private volatile boolean closed;

  /** Opens (creating if needed) the store in {@code dir}. */
  public static LuceneBackend open(Path dir, Options options) {
    try {
      return new LuceneBackend(dir, options, false);
    } catch (IOException e) {
      throw new StoreIOException("cannot open the store at " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens the store in {@code dir} read-only: without its lock, so while another process writes it,
   * and without changing any file. The index and the history index are opened at their last commit
   * through a {@link ReadOnlyOverlayDirectory}, and the operation log after that commit (the writes
   * acknowledged since, each forced to disk before it was acknowledged) is replayed into memory. So
   * the open sees every write acknowledged before it began, and none made after; if the writer
   * commits while the log is read (which trims the log), the open starts again.
   *
   * @throws dev.engram.StoreCorruptedException if the directory holds no store, or a damaged one
   * @throws dev.engram.IncompatibleStoreException if the store was built differently
   */
  public static LuceneBackend openReadOnly(Path dir, Options options) {
    return ReadOnlyOpen.open(dir, () -> new LuceneBackend(dir, options, true));
  }

  private LuceneBackend(Path dir, Options options, boolean readOnly) throws IOException {
    this.dir = dir;
    this.options = options;
    this.readOnly = readOnly;
    this.embedder = options.embedder();
    this.passages = options.passageFormat();
    this.candidates = new LuceneCandidates(options.retrieval(), options.analyzer(), embedder);
    StoreMeta wanted =
        new StoreMeta(
            StoreMeta.FORMAT,
            embedder == null ? "none" : embedder.modelId(),
            embedder == null ? 0 : embedder.dimension(),
            options.analyzerName(),
            options.passageFormat().name());
    this.store =
        readOnly
            ? StoreDirectory.openReadOnly(dir, wanted)
            : StoreDirectory.open(dir, wanted, options.raw());
    LuceneIndex openedIndex = null;
    OpenedHistory openedHistory = null;
    OperationLog openedLog = null;
    boolean ok = false;
    try {
      openedIndex =
          LuceneIndex.open(
              store.index(),
              directory(store.index()),
              options.analyzer(),
              store.isNew(),
              options.quantizedVectors(),
              readOnly);
      openedHistory = openHistory(openedIndex);
      boolean migrated = openedHistory.migrated();
      Map<String, String> committed = openedIndex.commitData();
      long fromGeneration = Long.parseLong(committed.getOrDefault(COMMIT_GENERATION, "1"));
      lastSequence = Long.parseLong(committed.getOrDefault(COMMIT_SEQUENCE, "0"));
      List<OperationLog.Entry> replay = new ArrayList<>();
      openedLog =
          OperationLog.open(
              store.log(), fromGeneration, options.fileOps(), options.raw() || readOnly, replay);
      this.index = openedIndex;
      this.history = openedHistory.index();
      this.log = openedLog;
      for (OperationLog.Entry e : replay) {
        replay(e);
      }
      index.refresh(); // readers opened before the replay would not see it
      if (!options.raw() && !readOnly && (!replay.isEmpty() || store.isNew() || migrated)) {
        if (!replay.isEmpty()) {
          LOG.info("recovered {} operation(s) from the log of {}", replay.size(), dir);
        }
        commitLocked();
      }
      if (store.isNew() && !options.raw()) {
        // Written once the empty index is committed: a store with engram.json always has an index.
        store.writeMeta();
      }
      ok = true;
    } catch (CorruptIndexException | IndexFormatTooOldException | IndexFormatTooNewException e) {
      throw new StoreCorruptedException(
          "the index of the store at " + dir + " is corrupt or unreadable: " + e.getMessage(), e);
    } finally {
      if (!ok) {
        closeQuietly(openedLog, openedHistory == null ? null : openedHistory.index(), openedIndex);
        store.close();
      }
    }
    if (readOnly) {
      committer = null; // nothing to commit
      return;
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

  private record OpenedHistory(HistoryIndex index, boolean migrated) {}

  /**
   * Opens the history index beside the memory index, moving into it the events a store made before
   * it had one (committed there at once; the memory index drops them at its next commit). Opened
   * raw, a store without one gets it in memory and is left as it was.
   */
  private OpenedHistory openHistory(LuceneIndex memories) throws IOException {
    Path path = store.dir.resolve(StoreDirectory.HISTORY);
    Directory directory =
        (options.raw() || readOnly) && !java.nio.file.Files.isDirectory(path)
            ? new org.apache.lucene.store.ByteBuffersDirectory()
            : directory(path);
    HistoryIndex h = HistoryIndex.open(path, directory, readOnly);
    try {
      IndexSearcher s = memories.acquireAsIs();
      boolean moved;
      try {
        moved = h.migrateFrom(s);
      } finally {
        memories.release(s);
      }
      boolean commit = moved && !options.raw() && !readOnly;
      if (commit) {
        h.commit();
        memories.writer.deleteDocuments(LuceneIndex.EVENTS);
      }
      return new OpenedHistory(h, commit);
    } catch (IOException | RuntimeException e) {
      closeQuietly(h);
      throw e;
    }
  }

  /** An index directory: on disk, or read through an overlay that keeps every change in memory. */
  private Directory directory(Path path) {
    Directory disk = options.directories().apply(path);
    return readOnly ? new ReadOnlyOverlayDirectory(disk) : disk;
  }

  /** Whether this backend was opened read-only ({@link #openReadOnly}). */
  public boolean readOnly() {
    return readOnly;
  }

  private void refuseIfReadOnly() {
    if (readOnly) {
      throw new UnsupportedOperationException(
          "the store at "
              + dir
              + " is open read-only: it cannot be changed; open it for writing once no other"
              + " process holds it");
    }
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

  private boolean withVectors() {
    return embedder != null && !options.raw();
  }

  @Override
  public Set<BackendCapability> capabilities() {
    return embedder == null
        ? Set.of(BackendCapability.PERSISTENT)
        : Set.of(BackendCapability.PERSISTENT, BackendCapability.VECTOR_SEARCH);
  }

  // ------------------------------------------------------------------------------------ writes

  /**
   * Applies a batch. The caller's interrupt is set aside while it runs and restored after: Lucene's
   * files and the log's channel are closed for good by an interrupt that reaches them mid-write.
   */
  @Override
  public List<HistoryEvent> apply(WriteBatch batch) {
    refuseIfReadOnly();
    boolean interrupted = Thread.interrupted();
    try {
      return applyBatch(batch.purges(), batch.upserts(), batch.events(), true);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Writes a batch: logged and forced, then indexed.
   *
   * @param number whether events get the next sequences (false: they keep theirs, for imports)
   */
  private List<HistoryEvent> applyBatch(
      List<MemoryId> purges, List<Memory> upserts, List<HistoryEvent> events, boolean number) {
    checkUsable();
    if (purges.isEmpty() && upserts.isEmpty() && events.isEmpty()) {
      return List.of();
    }
    List<LuceneIndex.Existing> existing = new ArrayList<>(upserts.size());
    List<Prepared> prepared = prepare(upserts, existing);
    writeLock.lock();
    try {
      checkUsable();
      List<Prepared> positioned;
      try {
        positioned =
            turns.position(
                prepared,
                existing,
                sessionsOf(purges),
                Set.copyOf(purges),
                this::acquire,
                index::release);
      } catch (IOException e) {
        throw readFailure(e);
      }
      List<HistoryEvent> numbered = new ArrayList<>(events.size());
      long seq = lastSequence;
      for (HistoryEvent e : events) {
        if (number) {
          numbered.add(e.withSequence(++seq));
        } else {
          numbered.add(e);
          seq = Math.max(seq, e.sequence());
        }
      }
      try {
        log.append(new OperationLog.Entry(purges, positioned, numbered));
      } catch (IllegalArgumentException e) {
        turns.clear(); // too large to log: nothing was written
        throw e;
      } catch (IOException e) {
        // Nothing was applied and the log was cut back; the store stays usable.
        turns.clear();
        throw new StoreIOException(
            "could not write the operation log of " + dir + ": " + e.getMessage(), e);
      }
      try {
        index.write(purges, positioned, List.of(), passages, withVectors());
        history.write(purges, numbered);
        lastSequence = seq;
        dirty = true;
      } catch (IOException | RuntimeException e) {
        // The log holds the change, so reopening recovers it; this instance cannot go on safely.
        failure = "an index write failed (" + e.getMessage() + ")";
        LOG.warn("an index write of {} failed", dir, e);
        throw new StoreIOException(
            "the store at "
                + dir
                + " could not apply a change to its index ("
                + e.getMessage()
                + "); the change is in the operation log and is recovered when the store is reopened",
            e instanceof IOException io ? io : new IOException(e));
      }
      if (!purges.isEmpty() && !options.raw()) {
        expunge();
      } else if (log.size() > ROLL_BYTES) {
        commitQuietly("the operation log grew past " + ROLL_BYTES + " bytes");
      }
      return numbered;
    } finally {
      writeLock.unlock();
    }
  }

  /** The session keys of the turns among memories about to be purged. */
  private Set<String> sessionsOf(List<MemoryId> purges) {
    if (purges.isEmpty()) {
      return Set.of();
    }
    Set<String> out = new HashSet<>();
    for (Memory m : getAll(purges)) {
      String key = TurnContext.sessionOf(m);
      if (key != null) {
        out.add(key);
      }
    }
    return out;
  }

  /** Vectors, reused when the embedded text did not change; and what the index holds of each. */
  private List<Prepared> prepare(List<Memory> upserts, List<LuceneIndex.Existing> existing) {
    List<Prepared> out = new ArrayList<>(upserts.size());
    List<Integer> toEmbed = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    // Without reopening readers: what they do not show yet, the index keeps aside.
    IndexSearcher s = acquireAsIs();
    try {
      for (Memory m : upserts) {
        LuceneIndex.Existing old = index.existing(s, m.id());
        existing.add(old);
        String text = embedder == null ? null : passages.embeddedText(m);
        String hash = text == null ? null : hash(text);
        float[] vector = null;
        if (embedder != null) {
          if (old != null && hash.equals(old.hash()) && old.vector() != null) {
            vector = old.vector();
          } else {
            toEmbed.add(out.size());
            texts.add(text);
          }
        }
        out.add(new Prepared(m, vector, hash, null));
      }
    } catch (IOException e) {
      throw readFailure(e);
    } finally {
      index.release(s);
    }
    if (!toEmbed.isEmpty()) {
      List<float[]> vectors =
          texts.size() == 1 ? List.of(embedder.embed(texts.get(0))) : embedder.embedAll(texts);
      for (int i = 0; i < toEmbed.size(); i++) {
        int at = toEmbed.get(i);
        Prepared p = out.get(at);
        out.set(at, new Prepared(p.memory(), vectors.get(i), p.hash(), null));
      }
    }
    return out;
  }

  private void replay(OperationLog.Entry e) throws IOException {
    List<Prepared> upserts = new ArrayList<>(e.upserts().size());
    for (Prepared p : e.upserts()) {
      // A record written by a lexical-only store replayed into one with embeddings: embed now
      // (not when only reading, which needs no vectors).
      if (withVectors() && p.vector() == null) {
        String text = passages.embeddedText(p.memory());
        upserts.add(new Prepared(p.memory(), embedder.embed(text), hash(text), p.previous()));
      } else {
        upserts.add(p);
      }
    }
    index.write(e.purges(), upserts, List.of(), passages, withVectors());
    history.write(e.purges(), e.events());
    for (HistoryEvent ev : e.events()) {
      lastSequence = Math.max(lastSequence, ev.sequence());
    }
    dirty = true;
  }

  /**
   * Writes memories and already-numbered events as they are (for rebuilding a store), durably and
   * without renumbering.
   */
  public void importRecords(List<Memory> memories, List<HistoryEvent> events) {
    refuseIfReadOnly();
    try {
      applyBatch(List.of(), memories, events, false);
    } catch (StoreIOException e) {
      failure = "an import failed (" + e.getMessage() + ")";
      throw e;
    }
  }

  // ------------------------------------------------------------------------------------ commits

  private void periodicCommit() {
    if (closed || failure != null || options.raw()) {
      return;
    }
    boolean idle = false;
    boolean merged = false;
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      if (dirty) {
        commitLocked();
        wroteSinceIdle = true;
      } else {
        idle = true; // nothing written for a whole interval
        if (index.writer.hasUncommittedChanges()) {
          // A merge finished since the last commit: keep it, so a reopen does not redo it.
          commitLocked();
          merged = true;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("periodic commit of {} failed; the operation log still holds every change", dir, e);
      return;
    } finally {
      writeLock.unlock();
    }
    if (idle) {
      whenIdle(merged);
    }
  }

  /** See {@link LuceneIndex#whenIdle}; on the commit thread. */
  private void whenIdle(boolean merged) {
    boolean wrote = wroteSinceIdle;
    wroteSinceIdle = false;
    try {
      index.whenIdle(merged, wrote);
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.warn("could not merge the index of {} while idle; searches are unaffected", dir, e);
      }
    }
  }

  /**
   * Merges the index into one segment if enough was written since it last was ({@link
   * LuceneIndex#worthCompacting}), and returns once readers see it and it is committed. The store
   * also does this on its own after a commit interval without writes.
   */
  @Override
  public boolean compact() {
    if (readOnly || options.raw()) {
      return false;
    }
    checkUsable();
    try {
      if (!index.compactIfWorthIt()) {
        return false;
      }
      writeLock.lock();
      try {
        checkUsable();
        commitLocked();
      } finally {
        writeLock.unlock();
      }
      return true;
    } catch (org.apache.lucene.store.AlreadyClosedException e) {
      checkOpen(); // closed meanwhile: the merge was abandoned, which loses nothing
      throw e;
    } catch (IOException e) {
      checkOpen();
      throw new StoreIOException(
          "could not merge the index of " + dir + ": " + e.getMessage() + "; nothing was lost", e);
    }
  }

  /** Segments that searches walk now (tests and benchmarks). */
  public int segmentCount() {
    checkOpen();
    return index.segmentCount();
  }

  private void commitQuietly(String why) {
    try {
      commitLocked();
    } catch (IOException | RuntimeException e) {
      // The change itself is durable in the log; only trimming it is postponed.
      LOG.warn("commit of {} after {} failed: {}", dir, why, e.getMessage());
    }
  }

  /**
   * Removes purged text from the files before the purge returns: a commit, which starts a new log
   * generation and deletes the older ones that held the text; a merge that rewrites every segment
   * holding deleted documents; a second commit; and a refresh, so that readers let go of the old
   * segments, which are then deleted (a search still running on them delays that to its end). The
   * purge itself is durable already; if this fails it is logged, and the next purge or commit
   * catches up.
   */
  private void expunge() {
    try {
      commitLocked();
      index.expungeDeletes();
      history.expungeDeletes();
      commitLocked();
      index.refresh();
      history.reopenReaders();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not yet remove purged text from the files of {}: {}", dir, e.getMessage(), e);
    }
  }

  /** Commits the index and starts a new log generation; older generations become redundant. */
  private void commitLocked() throws IOException {
    long next = log.roll();
    // History first: the memory index's commit says how much of the log is applied.
    history.commit();
    index.commit(
        Map.of(
            COMMIT_GENERATION, Long.toString(next), COMMIT_SEQUENCE, Long.toString(lastSequence)));
    log.trim(next, store.log());
    dirty = false;
  }

  /** Commits now (tests and tools; the backend commits on its own schedule otherwise). */
  public void commit() {
    refuseIfReadOnly();
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

  // ------------------------------------------------------------------------------------ reads

  /**
   * A reader that sees every write so far. If the index cannot take the latest writes (a full disk,
   * say), the store stops accepting writes and reads go on from the index as it was: those writes
   * are in the operation log, and reopening the store recovers them.
   */
  private IndexSearcher acquire() {
    checkOpen();
    if (index.behind() && failure == null) {
      try {
        index.refresh();
      } catch (IOException | RuntimeException e) {
        failure = "an index write failed (" + e.getMessage() + ")";
        LOG.warn(
            "the index of {} cannot take the latest writes ({}); they are in the operation log and"
                + " are recovered when the store is reopened; until then reads do not show them",
            dir,
            e.getMessage(),
            e);
      }
    }
    return index.acquireAsIs();
  }

  private IndexSearcher acquireAsIs() {
    checkOpen();
    return index.acquireAsIs();
  }

  /** Runs a read on a reader that sees every write so far. */
  private <T> T read(ReadFn<T> fn) {
    IndexSearcher s = acquire();
    try {
      return fn.apply(s);
    } catch (IOException e) {
      throw readFailure(e);
    } catch (IndexSearcher.TooManyClauses e) {
      throw new IllegalArgumentException(
          "the filter is too large for the index: it expands to more than "
              + IndexSearcher.getMaxClauseCount()
              + " clauses (each value of an in or nin filter and each filter of an and or or"
              + " counts); use fewer values or split the request",
          e);
    } catch (TooComplexToDeterminizeException e) {
      throw new IllegalArgumentException(
          "a contains filter's value is too complex to search; use a shorter value", e);
    } finally {
      index.release(s);
    }
  }

  @FunctionalInterface
  private interface ReadFn<T> {
    T apply(IndexSearcher s) throws IOException;
  }

  @Override
  public Optional<Memory> get(MemoryId id) {
    return read(
        s -> {
          TopDocs top = s.search(LuceneIndex.memoryById(id), 1);
          return top.scoreDocs.length == 0
              ? Optional.empty()
              : Optional.of(LuceneIndex.decode(s, top.scoreDocs[0].doc));
        });
  }

  @Override
  public List<Memory> getAll(Collection<MemoryId> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    List<BytesRef> terms = ids.stream().map(id -> new BytesRef(id.value())).toList();
    return read(
        s -> {
          Query q = LuceneIndex.memories(new TermInSetQuery(Fields.ID, terms));
          TopDocs top = s.search(q, ids.size());
          List<Memory> out = new ArrayList<>(top.scoreDocs.length);
          for (ScoreDoc d : top.scoreDocs) {
            out.add(LuceneIndex.decode(s, d.doc));
          }
          return out;
        });
  }

  @Override
  public List<Memory> list(ListQuery query) {
    return read(
        s -> {
          BooleanQuery.Builder q =
              new BooleanQuery.Builder()
                  .add(LuceneIndex.MEMORIES, Occur.FILTER)
                  .add(FilterTranslator.translate(query.filter()), Occur.FILTER);
          if (query.afterCreatedAt() != null) {
            q.add(LuceneDocuments.resumeAfter(query), Occur.FILTER);
          }
          boolean desc = query.descending();
          Sort sort =
              new Sort(
                  LongField.newSortField("createdAt", desc, SortedNumericSelector.Type.MIN),
                  KeywordField.newSortField(Fields.ID, desc, SortedSetSelector.Type.MIN));
          TopDocs top = s.search(q.build(), query.limit(), sort);
          List<Memory> out = new ArrayList<>(top.scoreDocs.length);
          for (ScoreDoc d : top.scoreDocs) {
            out.add(LuceneIndex.decode(s, d.doc));
          }
          return out;
        });
  }

  @Override
  public long count(Filter filter) {
    return read(s -> (long) s.count(LuceneIndex.memories(FilterTranslator.translate(filter))));
  }

  @Override
  public Candidates candidates(CandidateQuery query) {
    return read(
        s ->
            candidates.candidates(
                s,
                query,
                LuceneIndex.memories(FilterTranslator.translate(query.filter())),
                LuceneIndex.memories(FilterTranslator.translate(Filter.of(query.scope())))));
  }

  @Override
  public List<HistoryEvent> history(MemoryId id) {
    return events(
        new BooleanQuery.Builder()
            .add(LuceneIndex.EVENTS, Occur.FILTER)
            .add(new TermQuery(new Term(Fields.ID, id.value())), Occur.FILTER)
            .build(),
        Integer.MAX_VALUE);
  }

  @Override
  public List<HistoryEvent> history(Scope scope, long afterSequence, int limit) {
    return events(
        new BooleanQuery.Builder()
            .add(LuceneIndex.EVENTS, Occur.FILTER)
            .add(FilterTranslator.translate(Filter.of(scope)), Occur.FILTER)
            .add(
                LongField.newRangeQuery(Fields.SEQ, afterSequence + 1, Long.MAX_VALUE),
                Occur.FILTER)
            .build(),
        limit);
  }

  /** Events matching {@code q} in sequence order, from the history index. */
  private List<HistoryEvent> events(Query q, int limit) {
    checkOpen();
    IndexSearcher s;
    try {
      s = history.acquire();
    } catch (IOException e) {
      throw readFailure(e);
    }
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
      history.release(s);
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

  /** The embedder this store uses, or {@code null} for a lexical-only store. */
  public Embedder embedder() {
    return embedder;
  }

  /**
   * Every memory in the store, oldest first, for rebuilding an index ({@code
   * EmbeddedMemory.reindex}).
   */
  public void forEachMemory(Consumer<Memory> action) {
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
  public void forEachEvent(Consumer<HistoryEvent> action) {
    long after = 0;
    while (true) {
      List<HistoryEvent> page =
          events(
              new BooleanQuery.Builder()
                  .add(LuceneIndex.EVENTS, Occur.FILTER)
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

  // ------------------------------------------------------------------------------------ lifecycle

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
    closeKeepingLock().close();
  }

  /**
   * Closes the store but keeps its directory locked until the returned handle is closed (a reindex
   * swapping directories holds it through the swap).
   */
  public StoreLock closeKeepingLock() {
    if (closed) {
      return () -> {};
    }
    // Let a running periodic commit finish: interrupting it would close the log's channel.
    if (committer != null) {
      committer.shutdown();
      try {
        if (!committer.awaitTermination(30, TimeUnit.SECONDS)) {
          LOG.warn("a periodic commit of {} is still running; closing anyway", dir);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    writeLock.lock();
    try {
      if (failure == null && dirty && !options.raw() && !readOnly) {
        try {
          commitLocked();
        } catch (IOException | RuntimeException e) {
          LOG.warn("final commit of {} failed; the operation log still holds every change", dir, e);
        }
      }
      closed = true;
      try {
        index.close(); // everything durable is committed or in the log
      } catch (IOException e) {
        LOG.warn("closing the index of {}", dir, e);
      }
      try {
        history.close();
      } catch (IOException e) {
        LOG.warn("closing the history index of {}", dir, e);
      }
      try {
        log.close();
      } catch (IOException e) {
        LOG.warn("closing the operation log of {}", dir, e);
      }
    } finally {
      writeLock.unlock();
    }
    return store::close;
  }

  /** A store directory's lock, held until closed. */
  @FunctionalInterface
  public interface StoreLock extends AutoCloseable {
    /** Releases the lock. */
    @Override
    void close();
  }

  static String hash(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The default way to open the index directory: one that a caller's interrupt cannot close (see
   * {@link InterruptSafeDirectory}).
   */
  public static Directory openDirectory(Path path) {
    try {
      return new InterruptSafeDirectory(path);
    } catch (IOException e) {
      throw new StoreIOException("cannot open the index directory " + path + ": " + e, e);
    }
  }
}
