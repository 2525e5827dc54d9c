package dev.engram.observe;

import dev.engram.pipeline.PipelineUsage;
import java.util.Objects;

/**
 * What an observer learns of a finished add: how its pipeline ended, what the pipeline spent and
 * how many changes were written, without the scope or any text (an observer's output may be
 * exported, and one user's memory must not reach a dashboard).
 *
 * @param pipeline how the pipeline ended
 * @param usage the LLM calls and tokens it spent ({@link PipelineUsage#NONE} when none ran)
 * @param changes how many memories the add created, updated or invalidated
 */
public record AddSummary(Pipeline pipeline, PipelineUsage usage, int changes) {

  /** How the add's pipeline ended. */
  public enum Pipeline {
    /** No pipeline ran: none configured, or the add asked for {@code infer(false)}. */
    NOT_RUN,
    /** The pipeline's plan was applied. */
    APPLIED,
    /** The pipeline failed; the messages were stored verbatim instead. */
    FELL_BACK
  }

  /** Validates. */
  public AddSummary {
    Objects.requireNonNull(pipeline, "pipeline");
    Objects.requireNonNull(usage, "usage");
    if (changes < 0) {
      throw new IllegalArgumentException("changes must be >= 0, got " + changes);
    }
  }
}
