package dev.engram.internal;

import dev.engram.backend.BackendQuery;
import dev.engram.backend.Candidate;
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
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A backend in plain Java collections, for tests, prototypes and small short-lived stores. Search
 * is BM25 over the text, keywords, tags and context, blended with cosine similarity when an {@link
 * Embedder} is given. The BM25 statistics (document frequencies, average length) are those of the
 * memories the query's filter admits, which always include the caller's scope, so one tenant's data
 * never shapes another's scores. Nothing survives the process.
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
  public List<Candidate> search(BackendQuery query) {
    float[] queryVector = embedder == null ? null : embedder.embedQuery(query.text());
    List<String> terms = List.copyOf(Lexical.distinctTokens(query.text()));
    lock.readLock().lock();
    try {
      List<Memory> admitted = new ArrayList<>();
      long totalLength = 0;
      int[] df = new int[terms.size()];
      for (Memory m : memories.values()) {
        if (!query.filter().test(m)) {
          continue;
        }
        admitted.add(m);
        Doc d = docs.get(m.id());
        totalLength += d.length;
        for (int i = 0; i < terms.size(); i++) {
          if (d.termFrequency.containsKey(terms.get(i))) {
            df[i]++;
          }
        }
      }
      int n = admitted.size();
      double avgLength = n == 0 ? 1 : Math.max(1, (double) totalLength / n);
      double[] idf = new double[terms.size()];
      double maxLexical = 0;
      for (int i = 0; i < terms.size(); i++) {
        idf[i] = Math.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5));
        maxLexical += idf[i];
      }
      List<Candidate> out = new ArrayList<>();
      for (Memory m : admitted) {
        Doc d = docs.get(m.id());
        double bm25 = 0;
        for (int i = 0; i < terms.size(); i++) {
          Integer tf = d.termFrequency.get(terms.get(i));
          if (tf != null) {
            bm25 += idf[i] * tf / (tf + K1 * (1 - B + B * d.length / avgLength));
          }
        }
        double lexical = maxLexical > 0 ? bm25 / maxLexical : 0;
        Map<String, Double> signals = new HashMap<>();
        signals.put("bm25", bm25);
        double relevance = lexical;
        if (queryVector != null && d.vector != null) {
          double cosine = Math.max(0, dot(queryVector, d.vector));
          signals.put("vector", cosine);
          relevance = 0.5 * lexical + 0.5 * cosine;
        }
        if (relevance > 0) {
          out.add(new Candidate(m, Math.min(1, relevance), signals));
        }
      }
      out.sort(
          Comparator.comparingDouble(Candidate::relevance)
              .reversed()
              .thenComparing(c -> c.memory().id()));
      return out.size() > query.limit() ? List.copyOf(out.subList(0, query.limit())) : out;
    } finally {
      lock.readLock().unlock();
    }
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
