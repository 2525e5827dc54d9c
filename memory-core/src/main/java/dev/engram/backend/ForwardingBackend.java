package dev.engram.internal;

import dev.engram.backend.BackendCapability;
import dev.engram.backend.CandidateQuery;
import dev.engram.backend.Candidates;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.WriteBatch;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A backend that hands every call to another; tests override the calls they want to observe. */
class ForwardingBackend implements MemoryBackend {
  final MemoryBackend delegate;

  ForwardingBackend(MemoryBackend delegate) {
    this.delegate = delegate;
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
