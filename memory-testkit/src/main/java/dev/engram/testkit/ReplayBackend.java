package dev.engram.testkit;

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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A backend that answers every candidate query with lists recorded from another backend, and holds
 * the same memories: a store over it ranks exactly as the store over the recorded backend did if,
 * and only if, the ranking is recall's alone.
 */
final class ReplayBackend implements MemoryBackend {
  private final Map<MemoryId, Memory> memories = new LinkedHashMap<>();
  private final Map<String, Candidates> answers;
  private final Set<BackendCapability> capabilities;

  ReplayBackend(
      List<Memory> memories, Map<String, Candidates> answers, Set<BackendCapability> capabilities) {
    memories.forEach(m -> this.memories.put(m.id(), m));
    this.answers = Map.copyOf(answers);
    this.capabilities = Set.copyOf(capabilities);
  }

  @Override
  public synchronized List<HistoryEvent> apply(WriteBatch batch) {
    batch.purges().forEach(memories::remove);
    batch.upserts().forEach(m -> memories.put(m.id(), m));
    return List.of();
  }

  @Override
  public synchronized Optional<Memory> get(MemoryId id) {
    return Optional.ofNullable(memories.get(id));
  }

  @Override
  public synchronized List<Memory> list(ListQuery query) {
    return memories.values().stream()
        .filter(m -> query.filter().test(m))
        .sorted(Comparator.comparing(Memory::createdAt).thenComparing(Memory::id))
        .limit(query.limit())
        .toList();
  }

  @Override
  public synchronized long count(Filter filter) {
    return memories.values().stream().filter(filter::test).count();
  }

  @Override
  public Candidates candidates(CandidateQuery query) {
    Candidates recorded = answers.get(query.text());
    if (recorded == null) {
      throw new IllegalStateException("no candidates recorded for '" + query.text() + "'");
    }
    return recorded;
  }

  @Override
  public List<HistoryEvent> history(MemoryId id) {
    return List.of();
  }

  @Override
  public List<HistoryEvent> history(Scope scope, long afterSequence, int limit) {
    return List.of();
  }

  @Override
  public long lastSequence() {
    return 0;
  }

  @Override
  public Set<BackendCapability> capabilities() {
    return capabilities;
  }

  @Override
  public void close() {}
}
