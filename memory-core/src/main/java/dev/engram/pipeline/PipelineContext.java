package dev.engram.pipeline;

import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.recall.SearchHit;
import java.util.List;
import java.util.Optional;

/**
 * Read access to the caller's scope for a running pipeline. Nothing here writes or reinforces; a
 * pipeline changes memory only through the plan it returns.
 */
public interface PipelineContext {

  /**
   * The most recently stored active memories of the scope (its session, if it names one), newest
   * first.
   */
  List<Memory> recent(int limit);

  /**
   * Active memories of the scope's owner (all sessions) most similar to {@code text}, best first.
   */
  default List<SearchHit> similar(String text, int limit) {
    return similar(text, limit, Filter.all());
  }

  /** {@link #similar(String, int)} among the memories that also match {@code filter}. */
  List<SearchHit> similar(String text, int limit, Filter filter);

  /** A memory of the scope's owner by id. */
  Optional<Memory> get(MemoryId id);
}
