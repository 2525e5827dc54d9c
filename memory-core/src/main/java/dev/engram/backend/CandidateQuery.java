package dev.engram.backend;

import dev.engram.filter.Filter;
import dev.engram.memory.Scope;
import java.util.List;
import java.util.Objects;

/**
 * What recall asks a backend for: its best candidates for a query, as a lexical and a vector list.
 * The backend ranks within each list only; fusing them and everything after is recall's.
 *
 * @param scope whose memory is searched. Lexical term statistics (document frequencies, lengths)
 *     must be those of the memories this scope contains, whatever their status: never another
 *     owner's, so one owner's data cannot shape another's scores.
 * @param text the query text as asked, never blank: what is embedded
 * @param terms the query's content words for the lexical list, lower-case, in order (recall drops
 *     stopwords; all words when every one is a stopword): the backend analyses them as its text
 *     fields are analysed and scores the memories that contain any of them
 * @param queryVector the query's embedding, or {@code null}: the backend then embeds {@code text}
 *     as a query with its own embedder, if it has one
 * @param filter every candidate satisfies it; it already holds the scope, the status and validity
 *     conditions and the caller's filter, and the backend applies it while ranking (not after), so
 *     that a small scope among many memories still gets its full depth
 * @param depth the most candidates per list
 * @param lexical whether to return the lexical (BM25) list
 * @param vector whether to return the vector list; a backend without embeddings returns none
 */
public record CandidateQuery(
    Scope scope,
    String text,
    List<String> terms,
    float[] queryVector,
    Filter filter,
    int depth,
    boolean lexical,
    boolean vector) {

  /** The most candidates a list may hold. */
  public static final int MAX_DEPTH = 10_000;

  /** Validates. */
  public CandidateQuery {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(text, "text");
    terms = List.copyOf(terms);
    Objects.requireNonNull(filter, "filter");
    if (depth < 1 || depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "depth must be between 1 and " + MAX_DEPTH + ", got " + depth);
    }
    queryVector = queryVector == null ? null : queryVector.clone();
  }

  /** The query vector, or {@code null}. */
  @Override
  public float[] queryVector() {
    return queryVector == null ? null : queryVector.clone();
  }
}
