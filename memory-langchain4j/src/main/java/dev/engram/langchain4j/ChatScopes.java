package dev.engram.langchain4j;

import dev.engram.memory.Scope;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a langchain4j chat memory id (the {@code @MemoryId} of an AI service) becomes an Engram
 * {@link Scope}. The scope names the owner (user and/or agent) and the session the chat's working
 * memory lives in; recall and tools use the owner's whole memory, across sessions.
 */
@FunctionalInterface
public interface ChatScopes extends Function<Object, Scope> {

  /** The session used when a mapping gives none. */
  String DEFAULT_SESSION = "chat";

  /**
   * The default: the memory id is the user id (characters outside {@code [A-Za-z0-9._:@+-]} become
   * {@code _}) and the session is {@value #DEFAULT_SESSION}. An AI service without
   * {@code @MemoryId} uses langchain4j's id {@code "default"}, i.e. one shared user.
   */
  static ChatScopes byUser() {
    return id -> Scope.user(sanitize(id)).withSession(DEFAULT_SESSION);
  }

  /** Every chat memory id is a user of one agent: {@code Scope.of(id, agentId, "chat")}. */
  static ChatScopes byUser(String agentId) {
    Objects.requireNonNull(agentId, "agentId must not be null");
    return id -> Scope.of(sanitize(id), agentId, DEFAULT_SESSION);
  }

  /** The scope of a chat memory id, always with a session. */
  default Scope scopeOf(Object memoryId) {
    if (memoryId == null) {
      throw new IllegalArgumentException("chat memory id must not be null");
    }
    Scope s = apply(memoryId);
    if (s == null) {
      throw new IllegalStateException("the ChatScopes mapping returned no scope for " + memoryId);
    }
    return s.sessionId() == null ? s.withSession(DEFAULT_SESSION) : s;
  }

  /** The owner's scope (no session): what recall and tools search. */
  default Scope ownerOf(Object memoryId) {
    Scope s = scopeOf(memoryId);
    return s.hasOwner() ? s.withoutSession() : s;
  }

  private static String sanitize(Object id) {
    String s = String.valueOf(id).replaceAll("[^A-Za-z0-9._:@+-]", "_");
    if (s.isEmpty() || !Character.isLetterOrDigit(s.charAt(0))) {
      s = "u" + s;
    }
    return s.length() > 128 ? s.substring(0, 128) : s;
  }
}
