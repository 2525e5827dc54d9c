package dev.engram.backend;

/**
 * What a backend offers beyond the core contract. The testkit runs the suite of each capability a
 * backend declares; a capability not declared is not tested, rather than tested and skipped.
 */
public enum BackendCapability {
  /** Memories and history survive closing and reopening the backend (and a crash). */
  PERSISTENT,
  /** The backend embeds memories and answers the vector list of a {@link CandidateQuery}. */
  VECTOR_SEARCH
}
