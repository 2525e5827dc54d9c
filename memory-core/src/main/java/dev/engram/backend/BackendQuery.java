package dev.engram.backend;

import dev.engram.filter.Filter;
import java.util.Objects;

/**
 * A relevance query handed to a backend. The filter already includes the caller's scope and the
 * status / validity conditions; the backend must apply it before ranking (not after), so that a
 * small scope among many memories still gets its {@code limit} results.
 *
 * @param text the query text, never blank
 * @param filter the condition every returned memory satisfies
 * @param limit how many candidates to return at most
 */
public record BackendQuery(String text, Filter filter, int limit) {
  /** Validates. */
  public BackendQuery {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(filter, "filter");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
  }
}
