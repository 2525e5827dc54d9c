package dev.engram.internal;

import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recalls not yet written to the backend, the way Caffeine records reads: a search records the
 * memories it recalled here and returns; the buffer is drained in one batch per owner by the
 * store's flush schedule, by {@code maintain()} and at close, and by every write that touches a
 * memory with recalls pending. Reads present a memory with its pending recalls applied, so what was
 * recalled shows at once; what a crash loses is at most the recalls of one flush interval, never a
 * memory or a change.
 */
final class AccessBuffer {
  /** Recalls of one memory since the last drain: how many, and the latest. */
  record Pending(long count, Instant last, Memory recalled) {
    Pending plus(Pending other) {
      return new Pending(
          count + other.count,
          last.isAfter(other.last) ? last : other.last,
          last.isAfter(other.last) ? recalled : other.recalled);
    }
  }

  private final Map<MemoryId, Pending> pending = new ConcurrentHashMap<>();

  /** Records one recall of each memory at {@code at}. */
  void record(Collection<Memory> recalled, Instant at) {
    for (Memory m : recalled) {
      pending.merge(m.id(), new Pending(1, at, m), Pending::plus);
    }
  }

  /** The recalls pending for a memory, or {@code null}. */
  Pending peek(MemoryId id) {
    return pending.isEmpty() ? null : pending.get(id);
  }

  /** Removes and returns the recalls pending for a memory, or {@code null}. */
  Pending take(MemoryId id) {
    return pending.isEmpty() ? null : pending.remove(id);
  }

  /** Removes the recalls pending for memories that no longer exist. */
  void forget(List<MemoryId> ids) {
    ids.forEach(pending::remove);
  }

  /** The memories with recalls pending. */
  Set<MemoryId> ids() {
    return Set.copyOf(pending.keySet());
  }

  /** How many memories have recalls pending. */
  int size() {
    return pending.size();
  }
}
