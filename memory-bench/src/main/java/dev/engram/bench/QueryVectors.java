package dev.engram.bench;

import dev.engram.embed.Embedder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An embedder that can answer queries from vectors computed in advance, so search can be timed with
 * the query embedding ("vector supplied") and without it, on one store.
 */
final class QueryVectors implements Embedder {
  private final Embedder model;
  private final Map<String, float[]> cache = new ConcurrentHashMap<>();
  private volatile boolean supplied;
  private final java.util.concurrent.atomic.AtomicLong passageNanos =
      new java.util.concurrent.atomic.AtomicLong();

  QueryVectors(Embedder model) {
    this.model = model;
  }

  void precompute(List<String> queries) {
    queries.forEach(q -> cache.put(q, model.embedQuery(q)));
  }

  void supplied(boolean on) {
    this.supplied = on;
  }

  float[] vector(String query) {
    return cache.computeIfAbsent(query, model::embedQuery);
  }

  @Override
  public String modelId() {
    return model.modelId();
  }

  @Override
  public int dimension() {
    return model.dimension();
  }

  /** Time spent embedding stored texts so far: the model's share of ingest. */
  long passageNanos() {
    return passageNanos.get();
  }

  @Override
  public float[] embed(String text) {
    long t = System.nanoTime();
    try {
      return model.embed(text);
    } finally {
      passageNanos.addAndGet(System.nanoTime() - t);
    }
  }

  @Override
  public float[] embedQuery(String query) {
    if (supplied) {
      float[] v = cache.get(query);
      if (v != null) {
        return v;
      }
    }
    return model.embedQuery(query);
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    long t = System.nanoTime();
    try {
      return model.embedAll(texts);
    } finally {
      passageNanos.addAndGet(System.nanoTime() - t);
    }
  }
}
