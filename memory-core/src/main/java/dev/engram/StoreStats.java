package dev.engram;

import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.util.Map;

/**
 * Memory counts of a scope (or the whole store), per tier and per status.
 *
 * @param total all memories, whatever their status
 * @param byTier active memories per tier
 * @param byStatus memories per status
 */
public record StoreStats(long total, Map<Tier, Long> byTier, Map<Status, Long> byStatus) {
  /** Copies the maps. */
  public StoreStats {
    byTier = Map.copyOf(byTier);
    byStatus = Map.copyOf(byStatus);
  }
}
