package dev.engram.pipeline;

import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import java.util.List;

/**
 * Turns raw conversation into well-kept memory (the LLM pipeline of memory-llm is one). The store
 * calls it with the scope's write lock held, so two calls for one scope never interleave, and
 * applies the returned plan atomically. If it throws, the store keeps the raw messages as episodic
 * memories and reports the failure; nothing said is dropped.
 */
public interface MemoryPipeline {

  /** Decides what to store for new messages. */
  PipelinePlan plan(PipelineInput input, PipelineContext context);

  /**
   * Decides how to consolidate a session's episodes into lasting memory (summaries, facts),
   * MemoryBank / "sleep-time" style. The default consolidates nothing.
   *
   * @param scope the session's scope
   * @param episodes the session's active short-term and working memories, oldest first
   */
  default PipelinePlan consolidate(Scope scope, List<Memory> episodes, PipelineContext context) {
    return PipelinePlan.empty(PipelineUsage.NONE, List.of());
  }
}
