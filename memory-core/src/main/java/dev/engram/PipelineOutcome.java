package dev.engram;

import dev.engram.pipeline.PipelineUsage;
import java.util.List;
import java.util.Objects;

/**
 * What the pipeline did for an add.
 *
 * @param status whether it ran and how it ended
 * @param detail why it fell back, or empty
 * @param usage calls, tokens and time spent
 * @param notes decisions worth reporting (facts already known, changes skipped and why)
 */
public record PipelineOutcome(
    PipelineOutcome.Status status, String detail, PipelineUsage usage, List<String> notes) {

  /** How the pipeline ended. */
  public enum Status {
    /** No pipeline ran: none configured, or {@code infer(false)}. */
    NOT_RUN,
    /** The pipeline's plan was applied. */
    APPLIED,
    /** The pipeline failed; the raw messages were stored as episodic memories instead. */
    FELL_BACK
  }

  /** The outcome when no pipeline ran. */
  public static final PipelineOutcome NOT_RUN =
      new PipelineOutcome(Status.NOT_RUN, "", PipelineUsage.NONE, List.of());

  /** Validates. */
  public PipelineOutcome {
    Objects.requireNonNull(status, "status");
    detail = detail == null ? "" : detail;
    Objects.requireNonNull(usage, "usage");
    notes = List.copyOf(notes);
  }
}
