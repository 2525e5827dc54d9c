package dev.engram.backend;

import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import java.util.List;

/**
 * Changes a backend applies atomically, in this order: purges (the memory and its history removed),
 * upserts (by id, replacing the stored value), then history events appended. After {@link
 * MemoryBackend#apply(WriteBatch)} returns, all of them are visible to every read; if it throws,
 * none is. Once it returns, the batch is durable: it survives a crash of the process or machine
 * (or, for a backend that keeps nothing, at least the life of the backend).
 *
 * @param purges memories to remove entirely, with their history
 * @param upserts memories to store, replacing any with the same id
 * @param events history events to append, in order
 */
public record WriteBatch(List<MemoryId> purges, List<Memory> upserts, List<HistoryEvent> events) {

  /** Copies the lists. */
  public WriteBatch {
    purges = List.copyOf(purges);
    upserts = List.copyOf(upserts);
    events = List.copyOf(events);
  }

  /** Whether the batch changes nothing. */
  public boolean isEmpty() {
    return purges.isEmpty() && upserts.isEmpty() && events.isEmpty();
  }
}
