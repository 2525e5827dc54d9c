package dev.engram.pipeline;

import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The new messages a pipeline turns into memory.
 *
 * @param scope whose memory this is
 * @param messages the messages, each with its observed-at time and source id filled in (a message
 *     that came without an id gets a generated one, so every memory derived from it can cite it)
 * @param metadata caller metadata to carry onto what is stored
 * @param sources the request's source ids ({@code AddRequest.Builder.source}); the store records
 *     them on every memory the plan adds or updates, so a pipeline need not copy them
 * @param now the store's current time
 */
public record PipelineInput(
    Scope scope,
    List<Message> messages,
    Map<String, Object> metadata,
    List<String> sources,
    Instant now) {
  /** Validates. */
  public PipelineInput {
    Objects.requireNonNull(scope, "scope");
    messages = List.copyOf(messages);
    metadata = Map.copyOf(metadata);
    sources = List.copyOf(sources);
    Objects.requireNonNull(now, "now");
  }

  /** Input without request sources. */
  public PipelineInput(
      Scope scope, List<Message> messages, Map<String, Object> metadata, Instant now) {
    this(scope, messages, metadata, List.of(), now);
  }
}
