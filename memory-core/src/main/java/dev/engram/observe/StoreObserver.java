package dev.engram.observe;

import java.time.Duration;

/**
 * Told of what a store does, for metrics ({@code Engram.builder().observer(...)};
 * memory-micrometer's {@code EngramMetrics} is one). Every method has an empty default, so an
 * observer implements what it needs.
 *
 * <p>Called on the thread that made the call, after it finished: must be fast, and should not throw
 * (what it throws is dropped, so that a broken observer never fails a write that is already
 * durable). It is told no scope and no text: what it sees may be exported, and one user's memory
 * must not leak through a dashboard.
 */
public interface StoreObserver {
  /** An observer that does nothing. */
  StoreObserver NONE = new StoreObserver() {};

  /** The store was built; {@code probe} reads its size while it is open. */
  default void attached(StoreProbe probe) {}

  /**
   * An add (or an API call of {@code consolidate}) returned.
   *
   * @param summary how its pipeline ended, what it spent and how many changes it wrote
   * @param elapsed its wall time
   */
  default void added(AddSummary summary, Duration elapsed) {}

  /** An add (or consolidate) threw {@code error} after {@code elapsed}; nothing was stored. */
  default void addFailed(RuntimeException error, Duration elapsed) {}

  /** A search returned {@code hits} results after {@code elapsed}. */
  default void searched(int hits, Duration elapsed) {}

  /** A search threw {@code error} after {@code elapsed}. */
  default void searchFailed(RuntimeException error, Duration elapsed) {}
}
