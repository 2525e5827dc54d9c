package dev.engram.backend;

import dev.engram.memory.Memory;
import java.util.Map;
import java.util.Objects;

/**
 * A memory a backend found relevant to a query.
 *
 * @param memory the stored memory
 * @param relevance how well it matches, in [0, 1]; 1 is a perfect match. Comparable across queries
 *     as far as the backend can make it (e.g. BM25 divided by the query's maximum attainable
 *     score).
 * @param signals the backend's component scores for explanations, e.g. {@code bm25}, {@code vector}
 */
public record Candidate(Memory memory, double relevance, Map<String, Double> signals) {
  /** Validates. */
  public Candidate {
    Objects.requireNonNull(memory, "memory");
    if (!(relevance >= 0 && relevance <= 1)) {
      throw new IllegalArgumentException("relevance must be in [0, 1], got " + relevance);
    }
    signals = Map.copyOf(signals);
  }
}
