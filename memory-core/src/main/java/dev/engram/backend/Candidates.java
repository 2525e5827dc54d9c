package dev.engram.backend;

import java.util.List;

/**
 * A backend's answer to a {@link CandidateQuery}: each list best first, at most {@link
 * CandidateQuery#depth()} long, and every memory in it satisfying the query's filter.
 *
 * @param lexical the BM25 list, empty if not asked for or nothing matched a query term
 * @param vector the nearest neighbours of the query's vector, empty if not asked for or the backend
 *     has no embeddings
 */
public record Candidates(List<Candidate> lexical, List<Candidate> vector) {
  /** No candidates. */
  public static final Candidates NONE = new Candidates(List.of(), List.of());

  /** Copies the lists. */
  public Candidates {
    lexical = List.copyOf(lexical);
    vector = List.copyOf(vector);
  }
}
