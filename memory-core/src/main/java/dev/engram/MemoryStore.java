package dev.engram;

import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.util.List;
import java.util.Optional;

/**
 * An agent's memory: what users and agents said, kept organised, fading with time, recalled when
 * relevant. Thread-safe. Obtain one from {@link Engram} (in memory) or from a backend module (e.g.
 * {@code EmbeddedMemory.open(path)}).
 *
 * <p>Every method takes the {@link Scope} whose memory it reads or changes, and nothing outside
 * that scope is ever returned or changed: a memory of another scope is reported as not found.
 *
 * <p>Bad arguments raise {@link IllegalArgumentException} naming the field, before anything is
 * written. Once a write method returns, its change is durable (for persistent stores) and visible
 * to every search.
 */
public interface MemoryStore extends AutoCloseable {

  /**
   * Remembers messages. With a pipeline (and unless the request says {@code infer(false)}) the
   * pipeline extracts and consolidates facts; otherwise each message is stored verbatim.
   */
  AddResult add(AddRequest request);

  /** Remembers texts said by the user, verbatim unless a pipeline is configured. */
  default AddResult add(Scope scope, String... texts) {
    return add(AddRequest.of(scope, texts));
  }

  /** The memories most worth recalling for the query, best first. */
  List<SearchHit> search(SearchRequest request);

  /** {@link #search(SearchRequest)} with the default options. */
  default List<SearchHit> search(Scope scope, String query) {
    return search(SearchRequest.of(scope, query));
  }

  /**
   * A memory by id, as it is now (decay applied), or empty if there is none in this scope. Does not
   * count as a recall.
   */
  Optional<Memory> get(Scope scope, MemoryId id);

  /** The first page of the scope's memories; see {@link #list(Scope, Filter, PageRequest)}. */
  default Page<Memory> list(Scope scope) {
    return list(scope, Filter.all(), PageRequest.first());
  }

  /**
   * A page of the scope's memories that match the filter, in creation order. All statuses are
   * listed, deleted ones included; filter on {@code status} to narrow. Follow {@link
   * Page#nextCursor()} for the rest: nothing is silently capped.
   */
  Page<Memory> list(Scope scope, Filter filter, PageRequest page);

  /**
   * Changes a memory; the old value stays in its history.
   *
   * @throws MemoryNotFoundException if the scope has no such memory
   * @throws IllegalStateException if the memory is deleted (restore it first)
   */
  Memory update(Scope scope, MemoryId id, MemoryUpdate update);

  /**
   * Marks a memory as no longer true: status invalidated, valid-to now. It stays listed and answers
   * {@link SearchRequest.Builder#asOf} queries about the time it was true. History records the
   * actor {@code api}.
   */
  default Memory invalidate(Scope scope, MemoryId id, String reason) {
    return invalidate(scope, id, reason, "api");
  }

  /**
   * {@link #invalidate(Scope, MemoryId, String)}, recorded in history as done by {@code actor} (1
   * to 64 characters, e.g. {@code agent} or a job's name).
   */
  Memory invalidate(Scope scope, MemoryId id, String reason, String actor);

  /**
   * Retires a memory (soft delete): never searched again, history kept, restorable. History records
   * the actor {@code api}.
   */
  default Memory delete(Scope scope, MemoryId id, String reason) {
    return delete(scope, id, reason, "api");
  }

  /** {@link #delete(Scope, MemoryId, String)}, recorded in history as done by {@code actor}. */
  Memory delete(Scope scope, MemoryId id, String reason, String actor);

  /**
   * Undoes a delete, an archiving or an invalidation, with a fresh forgetting curve. A deleted
   * memory returns to what it was before the delete: active (also when it had been archived), or
   * invalidated with its valid-to kept if it was invalidated before it was deleted, so it again
   * answers {@link SearchRequest.Builder#asOf} queries. An archived or invalidated memory becomes
   * active and valid again (valid-to cleared). Restoring an active memory changes nothing. History
   * records the actor {@code api}.
   */
  default Memory restore(Scope scope, MemoryId id, String reason) {
    return restore(scope, id, reason, "api");
  }

  /** {@link #restore(Scope, MemoryId, String)}, recorded in history as done by {@code actor}. */
  Memory restore(Scope scope, MemoryId id, String reason, String actor);

  /**
   * Links one memory of the scope to another of the same scope. History records the actor {@code
   * api}.
   */
  default Memory link(Scope scope, MemoryId from, MemoryId to, String relation) {
    return link(scope, from, to, relation, "api");
  }

  /**
   * {@link #link(Scope, MemoryId, MemoryId, String)}, recorded in history as done by {@code actor}.
   */
  Memory link(Scope scope, MemoryId from, MemoryId to, String relation, String actor);

  /**
   * Hard-deletes one memory and the content of its history (a PURGE event without content remains),
   * and removes the links the owner's other memories had to it, each change an UPDATE event. The
   * embedded store removes the text from its index files and operation log before this returns.
   *
   * @return whether there was such a memory in the scope
   */
  default boolean purge(Scope scope, MemoryId id) {
    return purge(scope, id, "api");
  }

  /**
   * {@link #purge(Scope, MemoryId)}, the PURGE event recorded as done by {@code actor}.
   *
   * @return whether there was such a memory in the scope
   */
  boolean purge(Scope scope, MemoryId id, String actor);

  /**
   * Hard-deletes every memory in the scope, by the same rule as every other method (for a user's
   * whole memory across agents and sessions use {@link #purgeUser(String)}).
   *
   * @return how many memories were purged
   */
  long purgeScope(Scope scope);

  /**
   * Right to be forgotten: hard-deletes every memory whose user id is {@code userId}, whatever its
   * agent or session, with its history content. The embedded store removes the text from its index
   * files and operation log before this returns.
   *
   * @return how many memories were purged
   */
  long purgeUser(String userId);

  /** A memory's history, oldest first; empty if the scope has no such memory. */
  List<HistoryEvent> history(Scope scope, MemoryId id);

  /** A page of the history of every memory in the scope, oldest first. */
  Page<HistoryEvent> history(Scope scope, PageRequest page);

  /**
   * Summarises a session's episodes into lasting memory through the pipeline's {@link
   * dev.engram.pipeline.MemoryPipeline#consolidate consolidate} step; without a pipeline it changes
   * nothing.
   *
   * <p>The episodes are the session's active working and short-term memories not consolidated
   * before, handed over in batches of at most {@value #CONSOLIDATION_BATCH_EPISODES} episodes and
   * {@value #CONSOLIDATION_BATCH_CHARS} characters, oldest first, so that a long session fits a
   * model's context. With each batch's plan, its episodes get the metadata {@value
   * #CONSOLIDATED_AT} (epoch milliseconds), so calling this again summarises only what came since.
   * If a batch fails, the outcome is {@code FELL_BACK} with what the calls cost, and its episodes
   * and the later ones stay unmarked for another try.
   *
   * @param session a scope that names a session
   */
  AddResult consolidate(Scope session);

  /** Metadata key marking an episode that {@link #consolidate} has summarised. */
  String CONSOLIDATED_AT = "consolidatedAt";

  /** Most episodes one {@link #consolidate} batch hands to the pipeline. */
  int CONSOLIDATION_BATCH_EPISODES = 50;

  /** Most characters of episode text one {@link #consolidate} batch hands to the pipeline. */
  int CONSOLIDATION_BATCH_CHARS = 32_000;

  /**
   * Persists time-driven changes (archiving, tier moves) for the whole store. Every read ({@code
   * get}, {@code list}, {@code search}, {@code stats}, filters on status, tier or updatedAt)
   * already shows them as they are due; this writes them to the stored memories and records them in
   * history, which keeps later reads cheap.
   */
  MaintenanceReport maintain();

  /** Counts for a scope, as reads show them (decay that is due is counted, maintained or not). */
  StoreStats stats(Scope scope);

  /** Counts for the whole store, as reads show them. */
  StoreStats stats();

  /**
   * Flushes and releases resources, after waiting for a running background maintenance pass to stop
   * (it stops at its next page). The store must not be used afterwards.
   */
  @Override
  void close();
}
