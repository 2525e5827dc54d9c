package dev.engram.llm;

/**
 * Observes every model call of an {@link LlmPipeline}, for cost and latency dashboards. Called on
 * the thread that made the call; must be fast and must not throw.
 */
@FunctionalInterface
public interface PipelineListener {
  /** A call finished (successfully or not). */
  void onCall(LlmCall call);
}
