package dev.engram;

/**
 * Which page to list.
 *
 * @param limit page size, 1 to {@value #MAX_LIMIT}
 * @param cursor the {@link Page#nextCursor()} of the previous page, or {@code null} for the first
 *     page
 */
public record PageRequest(int limit, String cursor) {
  /** The largest page. */
  public static final int MAX_LIMIT = 1000;

  /** The default page size. */
  public static final int DEFAULT_LIMIT = 100;

  /** Validates. */
  public PageRequest {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "page.limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
    if (cursor != null && (cursor.isBlank() || cursor.length() > 512)) {
      throw new IllegalArgumentException("page.cursor is not a cursor returned by a previous page");
    }
  }

  /** The first page of the given size. */
  public static PageRequest first(int limit) {
    return new PageRequest(limit, null);
  }

  /** The first page of {@value #DEFAULT_LIMIT}. */
  public static PageRequest first() {
    return new PageRequest(DEFAULT_LIMIT, null);
  }

  /** The page after {@code previous}, of the same size. */
  public PageRequest next(Page<?> previous) {
    if (!previous.hasNext()) {
      throw new IllegalStateException("the previous page was the last one");
    }
    return new PageRequest(limit, previous.nextCursor());
  }
}
