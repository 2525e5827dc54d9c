package dev.engram.testkit;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when told to, so tests can age memories by a year in a microsecond. */
public final class ManualClock implements InstantSource {
  private final AtomicReference<Instant> now;

  /** A clock showing {@code start}. */
  public ManualClock(Instant start) {
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
