package dev.engram.llm;

import java.time.Duration;
import java.util.Objects;

/**
 * One model call the pipeline made: what it was for, what it cost, and how it ended.
 *
 * @param stage the pipeline step
 * @param attempt 1 for the first call of a step, 2 for the retry after an unusable reply
 * @param inputTokens prompt tokens the model reported (0 if none)
 * @param outputTokens completion tokens the model reported (0 if none)
 * @param elapsed wall time of the call
 * @param error why the call failed or its reply was unusable, or {@code null} if it succeeded
 */
public record LlmCall(
    LlmCall.Stage stage,
    int attempt,
    long inputTokens,
    long outputTokens,
    Duration elapsed,
    String error) {

  /** The pipeline steps that call the model. */
  public enum Stage {
    /** New messages to facts, with keywords, tags, context and importance. */
    EXTRACT,
    /** New facts against existing memories. */
    CONSOLIDATE,
    /** Refining related memories after an add. */
    EVOLVE,
    /** A session's episodes to lasting facts. */
    SUMMARIZE
  }

  /** Validates. */
  public LlmCall {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** Whether the call returned a usable reply. */
  public boolean succeeded() {
    return error == null;
  }
}
