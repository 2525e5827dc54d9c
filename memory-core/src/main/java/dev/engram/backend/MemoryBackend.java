package dev.engram.backend;

import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where memories and their history live and how candidates for a query are found: the plug-in point
 * for storage (in memory, embedded Lucene, a remote cluster).
 *
 * <p>A backend stores what it is given and answers queries; the store above it owns every rule
 * (validation, scopes, decay, history, concurrency) and the whole ranking (see {@code
 * dev.engram.recall.Recall}): a backend only supplies ranked candidate lists. The store serialises
 * writes to one owner's memories, so a backend needs each {@link #apply(WriteBatch)} to be atomic
 * and durable on return. Reads may run concurrently with writes and must see every write that has
 * returned.
 *
 * <p>Every backend must pass the contract suites of {@code memory-testkit}, which check its filters
 * against {@link Filter#test} and its scoping against {@link Scope#contains}.
 */
public interface MemoryBackend extends AutoCloseable {

  /**
   * Applies a batch atomically; see {@link WriteBatch} for the order. Events arrive with sequence
   * 0; the backend numbers them after every event it stored before, in batch order, and returns
   * them numbered. Upserts whose indexed text did not change (access statistics, status) should
   * reuse the stored embedding rather than compute it again.
   *
   * @return the batch's events with their sequences
   */
  List<HistoryEvent> apply(WriteBatch batch);

  /** The memory with this id, whatever its scope or status. */
  Optional<Memory> get(MemoryId id);

  /**
   * The memories with these ids that exist, whatever their scope or status, in no particular order.
   * Backends that can read many at once should override this.
   */
  default List<Memory> getAll(Collection<MemoryId> ids) {
    List<Memory> out = new ArrayList<>(ids.size());
    for (MemoryId id : ids) {
      get(id).ifPresent(out::add);
    }
    return out;
  }

  /** A page of memories matching the filter, in (createdAt, id) order. */
  List<Memory> list(ListQuery query);

  /** How many memories match the filter. */
  long count(Filter filter);

  /**
   * The best candidates for a query among the memories matching its filter: a lexical and a vector
   * list, each best first, each at most the query's depth. See {@link CandidateQuery} for what the
   * statistics may cover.
   */
  Candidates candidates(CandidateQuery query);

  /** The history of one memory, in sequence order (a purged memory keeps only its PURGE event). */
  List<HistoryEvent> history(MemoryId id);

  /**
   * History events of memories whose scope the given scope {@link Scope#contains contains}, with a
   * sequence greater than {@code afterSequence}, in sequence order, at most {@code limit}.
   */
  List<HistoryEvent> history(Scope scope, long afterSequence, int limit);

  /** The largest event sequence stored, or 0 for an empty store. */
  long lastSequence();

  /**
   * Holds one owner's memories against other processes until the returned lease is closed. The
   * store takes it around every read-plan-write of the owner's memories (a pipeline add, an update,
   * a purge, maintenance), before its own per-owner lock, so that processes sharing a backend
   * serialise those as threads of one process do. The default holds nothing: right for backends
   * that one process owns (in memory, or a directory locked by one process).
   *
   * @param owner the owner's key, equal for every scope of the same user and agent
   * @throws dev.engram.StoreLockedException if another process held the owner longer than the
   *     backend waits
   */
  default OwnerLease lease(String owner) {
    return OwnerLease.NONE;
  }

  /**
   * Reorganises storage for search after many writes, if the backend sees a gain worth the cost,
   * and returns when it is done; called by {@code MemoryStore.maintain()}. Reads and writes go on
   * meanwhile. The default does nothing: right for backends that manage their own layout.
   *
   * @return whether anything was reorganised
   */
  default boolean compact() {
    return false;
  }

  /** What this backend offers beyond the core contract; default none. */
  default Set<BackendCapability> capabilities() {
    return Set.of();
  }

  /** Flushes deferred writes and releases resources. */
  @Override
  void close();
}
