package dev.engram.spi;

import dev.engram.Message;
import dev.engram.memory.Scope;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The new messages a pipeline turns into memory.
 *
 * @param scope whose memory this is
 * @param messages the messages, each with its observed-at time and source id filled in
 * @param metadata caller metadata to carry onto what is stored
 * @param now the store's current time
 */
public record PipelineInput(
    Scope scope, List<Message> messages, Map<String, Object> metadata, Instant now) {
  /** Validates. */
  public PipelineInput {
    Objects.requireNonNull(scope, "scope");
    messages = List.copyOf(messages);
    metadata = Map.copyOf(metadata);
    Objects.requireNonNull(now, "now");
  }
}
