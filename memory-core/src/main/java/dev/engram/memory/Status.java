package dev.engram.memory;

/**
 * The lifecycle state of a memory. Only {@code purge} removes a memory; every other end is a
 * status.
 */
public enum Status {
  /** Live: found by default searches. */
  ACTIVE,
  /** Faded below the retention threshold; listed and restorable, excluded from default search. */
  ARCHIVED,
  /** Superseded by a newer fact; its validity interval says when it stopped being true. */
  INVALIDATED,
  /** Retired by a caller; history kept, restorable, never searched. */
  DELETED
}
