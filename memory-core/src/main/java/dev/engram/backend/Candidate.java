package dev.engram.backend;

import dev.engram.memory.Memory;
import java.util.Objects;

/**
 * A memory a backend found for a query, with the raw score of the list it is in.
 *
 * @param memory the stored memory
 * @param score in the lexical list, the BM25 score (0 or more, comparable within one query only);
 *     in the vector list, the cosine similarity of the memory's vector to the query's, in [-1, 1]
 */
public record Candidate(Memory memory, double score) {
  /** Validates. */
  public Candidate {
    Objects.requireNonNull(memory, "memory");
    if (!Double.isFinite(score)) {
      throw new IllegalArgumentException("score must be finite, got " + score);
    }
  }
}
