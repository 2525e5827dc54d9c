package dev.engram.backend;

/**
 * A backend's hold on one owner's memories against other processes sharing the backend, from {@link
 * MemoryBackend#lease(String)} until {@link #close()}. Within one process the store's own lock
 * serialises an owner's writes; a lease extends that to every process using the same storage.
 */
@FunctionalInterface
public interface OwnerLease extends AutoCloseable {
  /** The lease of a backend only one process uses: holds nothing. */
  OwnerLease NONE = () -> {};

  /** Releases the lease; never throws (an unreleased lease must expire by itself). */
  @Override
  void close();
}
