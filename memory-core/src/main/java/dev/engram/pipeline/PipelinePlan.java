package dev.engram.pipeline;

import java.util.List;
import java.util.Objects;

/**
 * What a pipeline decided.
 *
 * @param changes the changes to apply, in order
 * @param usage what deciding cost
 * @param notes decisions worth reporting that are not changes (e.g. "fact already known: …")
 */
public record PipelinePlan(List<PlannedChange> changes, PipelineUsage usage, List<String> notes) {
  /** Validates. */
  public PipelinePlan {
    changes = List.copyOf(changes);
    Objects.requireNonNull(usage, "usage");
    notes = List.copyOf(notes);
  }

  /** A plan that changes nothing. */
  public static PipelinePlan empty(PipelineUsage usage, List<String> notes) {
    return new PipelinePlan(List.of(), usage, notes);
  }
}
