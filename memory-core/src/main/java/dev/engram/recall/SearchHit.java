package dev.engram.recall;

import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import java.util.Locale;
import java.util.Objects;

/**
 * One search result.
 *
 * @param memory the memory, as it was when returned (before this search's reinforcement)
 * @param score the blended score in [0, 1]
 * @param explanation the score breakdown, present only when the request asked to explain
 * @param linkedFrom the hit this memory was reached from by link expansion, or {@code null} for a
 *     direct hit
 */
public record SearchHit(
    Memory memory, double score, ScoreBreakdown explanation, MemoryId linkedFrom) {
  /** Validates. */
  public SearchHit {
    Objects.requireNonNull(memory, "memory");
  }

  /** The memory's text. */
  public String text() {
    return memory.text();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%.3f %s", score, memory.text());
  }
}
