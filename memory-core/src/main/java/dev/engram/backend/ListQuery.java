package dev.engram.backend;

import dev.engram.filter.Filter;
import dev.engram.memory.MemoryId;
import java.time.Instant;
import java.util.Objects;

/**
 * A page of memories in (createdAt, id) order, ascending or descending.
 *
 * @param filter the condition, scope included
 * @param afterCreatedAt resume after this creation time (with {@code afterId}), or {@code null} for
 *     the first page
 * @param afterId resume after this id among memories created at {@code afterCreatedAt}
 * @param limit page size
 * @param descending newest first instead of oldest first
 */
public record ListQuery(
    Filter filter, Instant afterCreatedAt, MemoryId afterId, int limit, boolean descending) {
  /** Validates. */
  public ListQuery {
    Objects.requireNonNull(filter, "filter");
    if ((afterCreatedAt == null) != (afterId == null)) {
      throw new IllegalArgumentException("afterCreatedAt and afterId go together");
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
  }

  /** The first page, oldest first. */
  public static ListQuery first(Filter filter, int limit) {
    return new ListQuery(filter, null, null, limit, false);
  }

  /**
   * Whether a memory created at {@code createdAt} with {@code id} comes after the resume point in
   * this query's order.
   */
  public boolean isAfterResumePoint(Instant createdAt, MemoryId id) {
    if (afterCreatedAt == null) {
      return true;
    }
    int c = createdAt.compareTo(afterCreatedAt);
    if (c == 0) {
      c = id.compareTo(afterId);
    }
    return descending ? c < 0 : c > 0;
  }
}
