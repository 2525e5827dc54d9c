package dev.engram.retrieval;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MaintenanceReport;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.StoreStats;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A store opened read-only ({@link EmbeddedMemory.BackendBuilder#openReadOnly}): reads go to the
 * store, searches reinforce nothing, and every change is refused before it reaches the store (whose
 * read-only backend would refuse it too).
 */
final class ReadOnlyMemoryStore implements MemoryStore {
  private final MemoryStore store;
  private final Path dir;

  ReadOnlyMemoryStore(MemoryStore store, Path dir) {
    this.store = store;
    this.dir = dir;
  }

  private UnsupportedOperationException refused(String what) {
    return new UnsupportedOperationException(
        what
            + " changes the store, and the store at "
            + dir
            + " is open read-only; open it for writing (EmbeddedMemory.open) once no other process"
            + " holds it");
  }

  @Override
  public AddResult add(AddRequest request) {
    throw refused("add");
  }

  @Override
  public List<SearchHit> search(SearchRequest request) {
    return store.search(
        request.reinforce() ? request.toBuilder().reinforce(false).build() : request);
  }

  @Override
  public Optional<Memory> get(Scope scope, MemoryId id) {
    return store.get(scope, id);
  }

  @Override
  public Page<Memory> list(Scope scope, Filter filter, PageRequest page) {
    return store.list(scope, filter, page);
  }

  @Override
  public Memory update(Scope scope, MemoryId id, MemoryUpdate update) {
    throw refused("update");
  }

  @Override
  public Memory invalidate(Scope scope, MemoryId id, String reason, String actor) {
    throw refused("invalidate");
  }

  @Override
  public Memory delete(Scope scope, MemoryId id, String reason, String actor) {
    throw refused("delete");
  }

  @Override
  public Memory restore(Scope scope, MemoryId id, String reason, String actor) {
    throw refused("restore");
  }

  @Override
  public Memory link(Scope scope, MemoryId from, MemoryId to, String relation, String actor) {
    throw refused("link");
  }

  @Override
  public boolean purge(Scope scope, MemoryId id, String actor) {
    throw refused("purge");
  }

  @Override
  public long purgeScope(Scope scope) {
    throw refused("purgeScope");
  }

  @Override
  public long purgeUser(String userId) {
    throw refused("purgeUser");
  }

  @Override
  public List<HistoryEvent> history(Scope scope, MemoryId id) {
    return store.history(scope, id);
  }

  @Override
  public Page<HistoryEvent> history(Scope scope, PageRequest page) {
    return store.history(scope, page);
  }

  @Override
  public AddResult consolidate(Scope session) {
    throw refused("consolidate");
  }

  @Override
  public MaintenanceReport maintain() {
    throw refused("maintain");
  }

  @Override
  public StoreStats stats(Scope scope) {
    return store.stats(scope);
  }

  @Override
  public StoreStats stats() {
    return store.stats();
  }

  @Override
  public void close() {
    store.close();
  }
}
