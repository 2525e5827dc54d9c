package dev.engram.observe;

/**
 * Reads a store's size for gauges: cheap counts, no scan, nothing written. Read from any thread;
 * once the store is closed every method returns -1.
 */
public interface StoreProbe {
  /** Memories stored, of every user and status (as stored: decay due but not maintained aside). */
  long memories();

  /**
   * Memories whose recalls are waiting to be written (reinforcement is buffered and written in
   * batches, see {@code Engram.Builder.recallFlushInterval}).
   */
  int pendingReinforcements();
}
