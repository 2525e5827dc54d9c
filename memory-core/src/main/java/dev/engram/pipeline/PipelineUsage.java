package dev.engram.pipeline;

import java.time.Duration;
import java.util.Objects;

/**
 * What a pipeline run cost.
 *
 * @param llmCalls model calls made, retries included
 * @param inputTokens prompt tokens reported by the model (0 if it reports none)
 * @param outputTokens completion tokens reported by the model
 * @param elapsed wall time spent in the pipeline
 */
public record PipelineUsage(int llmCalls, long inputTokens, long outputTokens, Duration elapsed) {
  /** Nothing spent. */
  public static final PipelineUsage NONE = new PipelineUsage(0, 0, 0, Duration.ZERO);

  /** Validates. */
  public PipelineUsage {
    if (llmCalls < 0 || inputTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("usage counts must not be negative");
    }
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** The sum of two usages. */
  public PipelineUsage plus(PipelineUsage other) {
    return new PipelineUsage(
        llmCalls + other.llmCalls,
        inputTokens + other.inputTokens,
        outputTokens + other.outputTokens,
        elapsed.plus(other.elapsed));
  }
}
