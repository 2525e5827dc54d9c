package dev.engram.backend;

import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A backend that hands every call to another, in the manner of Guava's forwarding collections:
 * subclass it and override the calls to observe or change (to record candidate lists, count writes,
 * inject a failure), leaving the rest to the delegate.
 */
public class ForwardingBackend implements MemoryBackend {
  private final MemoryBackend delegate;

  /** Forwards to {@code delegate}. */
  public ForwardingBackend(MemoryBackend delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The backend every call goes to. */
  protected final MemoryBackend delegate() {
    return delegate;
  }

  @Override
  public List<HistoryEvent> apply(WriteBatch batch) {
    return delegate.apply(batch);
  }

  @Override
  public Optional<Memory> get(MemoryId id) {
    return delegate.get(id);
  }

  @Override
  public List<Memory> getAll(Collection<MemoryId> ids) {
    return delegate.getAll(ids);
  }

  @Override
  public List<Memory> list(ListQuery query) {
    return delegate.list(query);
  }

  @Override
  public long count(Filter filter) {
    return delegate.count(filter);
  }

  @Override
  public Candidates candidates(CandidateQuery query) {
    return delegate.candidates(query);
  }

  @Override
  public OwnerLease lease(String owner) {
    return delegate.lease(owner);
  }

  @Override
  public boolean compact() {
    return delegate.compact();
  }

  @Override
  public Set<BackendCapability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public List<HistoryEvent> history(MemoryId id) {
    return delegate.history(id);
  }

  @Override
  public List<HistoryEvent> history(Scope scope, long afterSequence, int limit) {
    return delegate.history(scope, afterSequence, limit);
  }

  @Override
  public long lastSequence() {
    return delegate.lastSequence();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
