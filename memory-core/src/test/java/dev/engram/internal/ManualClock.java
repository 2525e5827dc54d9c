package dev.engram.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when told to (memory-testkit has the published one; it depends on this
 * module).
 */
final class ManualClock implements InstantSource {
  private final AtomicReference<Instant> now;

  /** A clock showing {@code start}. */
  ManualClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  /** Moves the clock forward. */
  public Instant advance(Duration d) {
    return now.updateAndGet(t -> t.plus(d));
  }

  /** Sets the clock. */
  public void set(Instant instant) {
    now.set(instant);
  }
}
