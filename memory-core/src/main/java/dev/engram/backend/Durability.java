package dev.engram.backend;

/** How durable a write must be when {@link MemoryBackend#apply(WriteBatch)} returns. */
public enum Durability {
  /** On stable storage: survives a crash of the process or machine. Every caller-visible change. */
  SYNC,
  /**
   * Visible at once, persisted soon: access statistics from recall. A crash may lose the last few
   * seconds of them, never a memory or an acknowledged change.
   */
  DEFERRED
}
