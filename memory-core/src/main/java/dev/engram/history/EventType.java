package dev.engram.history;

/** What happened to a memory. */
public enum EventType {
  /** Stored for the first time. */
  ADD,
  /** Content or attributes changed; {@code before} keeps the old value. */
  UPDATE,
  /** Superseded by a newer fact; validity closed, nothing erased. */
  INVALIDATE,
  /** Retired by a caller (soft delete). */
  DELETE,
  /** Faded below the retention threshold. */
  ARCHIVE,
  /** Brought back from archived or deleted. */
  RESTORE,
  /** Moved to a more durable tier. */
  PROMOTE,
  /** Linked to another memory. */
  LINK,
  /** Hard-deleted; the event keeps no content. */
  PURGE
}
