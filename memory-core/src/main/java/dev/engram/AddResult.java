package dev.engram;

import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * What an add changed.
 *
 * @param events every change made, in order (the same events {@code history} returns)
 * @param pipeline what the pipeline did
 */
public record AddResult(List<HistoryEvent> events, PipelineOutcome pipeline) {
  /** Validates. */
  public AddResult {
    events = List.copyOf(events);
    Objects.requireNonNull(pipeline, "pipeline");
  }

  /** The memories this add created. */
  public List<Memory> added() {
    return events.stream().filter(e -> e.type() == EventType.ADD).map(HistoryEvent::after).toList();
  }

  /**
   * The memories as they are after this add: created, updated, invalidated or linked, latest value
   * each.
   */
  public List<Memory> memories() {
    LinkedHashMap<MemoryId, Memory> latest = new LinkedHashMap<>();
    for (HistoryEvent e : events) {
      if (e.after() != null) {
        latest.put(e.memoryId(), e.after());
      }
    }
    return List.copyOf(latest.values());
  }
}
