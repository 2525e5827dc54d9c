package dev.engram.memory;

/** The layer a memory lives in; each tier forgets at its own pace (see {@code DecayPolicy}). */
public enum Tier {
  /** The current session's last few exchanges; bounded per session, flushed to short-term. */
  WORKING,
  /** Recent episodes; forgets within days unless recalled. */
  SHORT_TERM,
  /** Consolidated facts; forgets over months. */
  LONG_TERM
}
