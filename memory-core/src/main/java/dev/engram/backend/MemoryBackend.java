package dev.engram.backend;

import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.util.List;
import java.util.Optional;

/**
 * Where memories and their history live and how they are found: the plug-in point for storage and
 * retrieval (in-memory, embedded Lucene, a remote cluster).
 *
 * <p>A backend stores what it is given and answers queries; the store above it owns every rule
 * (validation, scopes, decay, history, concurrency). It serialises writes to one memory, so a
 * backend only needs each {@link #apply(WriteBatch)} to be atomic and, for {@link Durability#SYNC},
 * durable on return. Reads may run concurrently with writes and must see every write that has
 * returned.
 *
 * <p>Every backend must pass the contract suite ({@code MemoryStoreContractTest} in memory-core's
 * test jar), which checks its filters against {@link Filter#test} and its scoping against {@link
 * Scope#contains}.
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

  /** A page of memories matching the filter, in (createdAt, id) order. */
  List<Memory> list(ListQuery query);

  /** How many memories match the filter. */
  long count(Filter filter);

  /**
   * The memories most relevant to the query text among those matching its filter, best first, at
   * most {@code limit}. Memories with no relevance at all may be left out.
   */
  List<Candidate> search(BackendQuery query);

  /** The history of one memory, in sequence order (a purged memory keeps only its PURGE event). */
  List<HistoryEvent> history(MemoryId id);

  /**
   * History events of memories whose scope the given scope {@link Scope#contains contains}, with a
   * sequence greater than {@code afterSequence}, in sequence order, at most {@code limit}.
   */
  List<HistoryEvent> history(Scope scope, long afterSequence, int limit);

  /** The largest event sequence stored, or 0 for an empty store. */
  long lastSequence();

  /** Flushes deferred writes and releases resources. */
  @Override
  void close();
}
