package dev.engram;

import java.time.Instant;

/**
 * What a maintenance pass changed.
 *
 * @param at the time the pass applied
 * @param scanned memories examined
 * @param archived memories archived because their retention fell to the threshold
 * @param promoted memories moved to a more durable tier
 * @param compacted whether the backend reorganised its storage for search (the embedded store
 *     merges its index into one segment once enough was written since it last did)
 */
public record MaintenanceReport(
    Instant at, long scanned, long archived, long promoted, boolean compacted) {}
