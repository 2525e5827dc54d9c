package dev.engram;

import java.util.List;

/**
 * One page of a listing. A listing is never silently capped: keep following {@link #nextCursor()}
 * until it is {@code null}.
 *
 * @param items the items, in listing order
 * @param nextCursor where the next page starts, or {@code null} if this is the last page
 * @param <T> the item type
 */
public record Page<T>(List<T> items, String nextCursor) {
  /** Copies the items. */
  public Page {
    items = List.copyOf(items);
  }

  /** Whether another page follows. */
  public boolean hasNext() {
    return nextCursor != null;
  }
}
