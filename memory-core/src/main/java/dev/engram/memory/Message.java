package dev.engram.memory;

import java.time.Instant;
import java.util.Objects;

/**
 * A chat message to remember.
 *
 * @param role who said it
 * @param text what was said, not blank
 * @param name the speaker's display name (e.g. "Caroline"), or {@code null}
 * @param id the message's id in the host application, recorded as the memory's source, or {@code
 *     null}
 * @param observedAt when it was said, or {@code null} to use the request's time
 */
public record Message(Role role, String text, String name, String id, Instant observedAt) {

  /** Validates. */
  public Message {
    Objects.requireNonNull(role, "message.role must not be null");
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("message.text must not be null or blank");
    }
    if (name != null && (name.isBlank() || name.length() > 128)) {
      throw new IllegalArgumentException("message.name must be 1 to 128 characters when given");
    }
    if (id != null && (id.isBlank() || id.length() > 256)) {
      throw new IllegalArgumentException("message.id must be 1 to 256 characters when given");
    }
    Memory.checkWellFormed("message.text", text);
    Memory.checkWellFormed("message.name", name);
    Memory.checkWellFormed("message.id", id);
    if (observedAt != null) {
      Memory.checkTime("message.observedAt", observedAt);
    }
  }

  /** A message from the user. */
  public static Message user(String text) {
    return new Message(Role.USER, text, null, null, null);
  }

  /** A message from the assistant. */
  public static Message assistant(String text) {
    return new Message(Role.ASSISTANT, text, null, null, null);
  }

  /** A system message. */
  public static Message system(String text) {
    return new Message(Role.SYSTEM, text, null, null, null);
  }

  /** This message with a speaker name. */
  public Message withName(String name) {
    return new Message(role, text, name, id, observedAt);
  }

  /** This message with a source id. */
  public Message withId(String id) {
    return new Message(role, text, name, id, observedAt);
  }

  /** This message with the time it was said. */
  public Message withObservedAt(Instant observedAt) {
    return new Message(role, text, name, id, observedAt);
  }
}
