package dev.engram;

import dev.engram.memory.MemoryId;

/**
 * An update was computed from a version of the memory that is no longer the current one (another
 * thread or process changed it meanwhile); see {@link MemoryUpdate.Builder#ifVersion(long)}.
 * Nothing was changed: read the memory again, apply the change to what it is now, and retry.
 */
public class VersionConflictException extends EngramException {
  private static final long serialVersionUID = 1L;

  private final transient MemoryId id;
  private final long expected;
  private final long actual;

  /** For the memory {@code id}, expected at version {@code expected} but at {@code actual}. */
  public VersionConflictException(MemoryId id, long expected, long actual) {
    super(
        "memory "
            + id
            + " is at version "
            + actual
            + " but the update was computed from version "
            + expected
            + ": read the memory again, apply the change to it and retry");
    this.id = id;
    this.expected = expected;
    this.actual = actual;
  }

  /** The memory. */
  public MemoryId id() {
    return id;
  }

  /** The version the update was computed from. */
  public long expected() {
    return expected;
  }

  /** The memory's version when the update was refused. */
  public long actual() {
    return actual;
  }
}
