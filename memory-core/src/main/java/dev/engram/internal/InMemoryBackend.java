package dev.engram.internal;

import dev.engram.backend.BackendCapability;
import dev.engram.backend.Candidate;
import dev.engram.backend.CandidateQuery;
import dev.engram.backend.Candidates;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.WriteBatch;
import dev.engram.embed.Embedder;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A backend in plain Java collections, for tests, prototypes and small short-lived stores. Its
 * lexical list is BM25 (Lucene's formula) over the text, keywords, tags and context; its vector
 * list, when an {@link Embedder} is given, is an exact scan by cosine similarity. The BM25
 * statistics (document frequencies, average length) are those of the query's scope, so one tenant's
 * data never shapes another's scores. Nothing survives the process.
 */
public final class InMemoryBackend implements MemoryBackend {
  private static final double K1 = 1.2;
  private static final double B = 0.75;

  private final Embedder embedder;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<MemoryId, Memory> memories = new HashMap<>();
  private final Map<MemoryId, Doc> docs = new HashMap<>();
  private final Map<MemoryId, List<HistoryEvent>> historyById = new HashMap<>();
  private final TreeMap<Long, HistoryEvent> historyBySequence = new TreeMap<>();
  private long sequence;

  /** One memory's indexed form. */
  private record Doc(
      String indexedText, Map<String, Integer> termFrequency, int length, float[] vector) {}

  /** A backend without embeddings: lexical search only. */
  public InMemoryBackend() {
    this(null);
  }

  /** A backend that blends BM25 with the embedder's cosine similarity. */
  public InMemoryBackend(Embedder embedder) {
    this.embedder = embedder;
  }

  @Override
  public List<HistoryEvent> apply(WriteBatch batch) {
    // Embed outside the lock: it is the slow part and touches no shared state.
    Map<MemoryId, Doc> prepared = new HashMap<>();
    for (Memory m : batch.upserts()) {
      String text = indexedText(m);
      Doc existing;
      lock.readLock().lock();
      try {
        existing = docs.get(m.id());
      } finally {
        lock.readLock().unlock();
      }
      if (existing != null && existing.indexedText.equals(text)) {
        prepared.put(m.id(), existing);
      } else {
        prepared.put(m.id(), index(text, embedder == null ? null : embedder.embed(text)));
      }
    }
    lock.writeLock().lock();
    try {
      for (MemoryId id : batch.purges()) {
        docs.remove(id);
        memories.remove(id);
        List<HistoryEvent> old = historyById.remove(id);
        if (old != null) {
          old.forEach(e -> historyBySequence.remove(e.sequence()));
        }
      }
      for (Memory m : batch.upserts()) {
        docs.put(m.id(), prepared.get(m.id()));
        memories.put(m.id(), m);
      }
      List<HistoryEvent> stored = new ArrayList<>(batch.events().size());
      for (HistoryEvent e : batch.events()) {
        HistoryEvent numbered = e.withSequence(++sequence);
        historyById.computeIfAbsent(e.memoryId(), k -> new ArrayList<>()).add(numbered);
        historyBySequence.put(numbered.sequence(), numbered);
        stored.add(numbered);
      }
      return stored;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private static String indexedText(Memory m) {
    StringBuilder sb = new StringBuilder(m.text());
    m.keywords().forEach(k -> sb.append(' ').append(k));
    m.tags().forEach(t -> sb.append(' ').append(t));
    if (!m.context().isEmpty()) {
      sb.append(' ').append(m.context());
    }
    return sb.toString();
  }

  private static Doc index(String text, float[] vector) {
    List<String> tokens = Lexical.tokens(text);
    Map<String, Integer> tf = new HashMap<>();
    tokens.forEach(t -> tf.merge(t, 1, Integer::sum));
    return new Doc(text, tf, tokens.size(), vector);
  }

  @Override
  public Optional<Memory> get(MemoryId id) {
    lock.readLock().lock();
    try {
      return Optional.ofNullable(memories.get(id));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<Memory> list(ListQuery query) {
    Comparator<Memory> order = Comparator.comparing(Memory::createdAt).thenComparing(Memory::id);
    if (query.descending()) {
      order = order.reversed();
    }
    lock.readLock().lock();
    try {
      return memories.values().stream()
          .filter(m -> query.isAfterResumePoint(m.createdAt(), m.id()))
          .filter(query.filter())
          .sorted(order)
          .limit(query.limit())
          .toList();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long count(Filter filter) {
    lock.readLock().lock();
    try {
      return memories.values().stream().filter(filter).count();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Candidates candidates(CandidateQuery query) {
    float[] queryVector = null;
    if (query.vector() && embedder != null) {
      queryVector =
          query.queryVector() != null ? query.queryVector() : embedder.embedQuery(query.text());
    }
    List<String> terms = query.lexical() ? query.terms() : List.of();
    lock.readLock().lock();
    try {
      // Statistics of the query's scope only: one owner's words never shape another's scores.
      long inScope = 0;
      long totalLength = 0;
      Map<String, Integer> df = new HashMap<>();
      for (String t : terms) {
        df.put(t, 0);
      }
      List<Memory> admitted = new ArrayList<>();
      for (Memory m : memories.values()) {
        if (!query.scope().contains(m.scope())) {
          continue;
        }
        Doc d = docs.get(m.id());
        inScope++;
        totalLength += d.length;
        for (Map.Entry<String, Integer> e : df.entrySet()) {
          if (d.termFrequency.containsKey(e.getKey())) {
            e.setValue(e.getValue() + 1);
          }
        }
        if (query.filter().test(m)) {
          admitted.add(m);
        }
      }
      double avgLength = inScope == 0 ? 1 : Math.max(1, (double) totalLength / inScope);
      List<Candidate> lexical = new ArrayList<>();
      List<Candidate> vector = new ArrayList<>();
      for (Memory m : admitted) {
        Doc d = docs.get(m.id());
        double bm25 = 0;
        for (String t : terms) {
          Integer tf = d.termFrequency.get(t);
          if (tf != null) {
            int n = df.get(t);
            double idf = Math.log(1 + (inScope - n + 0.5) / (n + 0.5));
            bm25 += idf * tf / (tf + K1 * (1 - B + B * d.length / avgLength));
          }
        }
        if (bm25 > 0) {
          lexical.add(new Candidate(m, bm25));
        }
        if (queryVector != null && d.vector != null) {
          vector.add(new Candidate(m, dot(queryVector, d.vector)));
        }
      }
      return new Candidates(top(lexical, query.depth()), top(vector, query.depth()));
    } finally {
      lock.readLock().unlock();
    }
  }

  private static List<Candidate> top(List<Candidate> list, int depth) {
    list.sort(
        Comparator.comparingDouble(Candidate::score)
            .reversed()
            .thenComparing(c -> c.memory().id()));
    return list.size() > depth ? List.copyOf(list.subList(0, depth)) : list;
  }

  @Override
  public Set<BackendCapability> capabilities() {
    return embedder == null ? Set.of() : Set.of(BackendCapability.VECTOR_SEARCH);
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Override
  public List<HistoryEvent> history(MemoryId id) {
    lock.readLock().lock();
    try {
      return List.copyOf(historyById.getOrDefault(id, List.of()));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<HistoryEvent> history(Scope scope, long afterSequence, int limit) {
    lock.readLock().lock();
    try {
      List<HistoryEvent> out = new ArrayList<>();
      for (HistoryEvent e : historyBySequence.tailMap(afterSequence, false).values()) {
        if (scope.contains(e.scope())) {
          out.add(e);
          if (out.size() == limit) {
            break;
          }
        }
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long lastSequence() {
    lock.readLock().lock();
    try {
      return sequence;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void close() {}

  /** Used by tests: whether any PURGE left content behind. */
  boolean holdsContentOf(MemoryId id) {
    lock.readLock().lock();
    try {
      return memories.containsKey(id)
          || historyById.getOrDefault(id, List.of()).stream()
              .anyMatch(e -> e.type() != EventType.PURGE);
    } finally {
      lock.readLock().unlock();
    }
  }
}
