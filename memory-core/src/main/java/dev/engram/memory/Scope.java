package dev.engram.memory;

import java.util.Objects;

/**
 * Whose memory this is: a user, an agent, a session, or a combination. At least one id is required.
 *
 * <p>A memory belongs to one <em>owner</em>, the pair (userId, agentId), and optionally to one
 * session of that owner. A scope used to read or write <em>contains</em> a memory when their user
 * ids are equal and their agent ids are equal (an absent id only equals an absent id) and, if the
 * scope names a session, the sessions are equal too. So {@code Scope.user("alice")} sees every
 * session of Alice's memories that were stored without an agent id, but never another user's, and
 * never the memories Alice has with a specific agent ({@code Scope.of("alice", "travel-bot",
 * null)}); a missing id is never a wildcard.
 *
 * <p>Ids are 1 to 128 characters: letters, digits and {@code . _ - : @ +}, starting with a letter
 * or digit, so e-mail addresses and most external ids fit as they are.
 *
 * @param userId the end user the memory is about, or {@code null}
 * @param agentId the agent the memory belongs to, or {@code null}
 * @param sessionId the conversation or run, or {@code null}
 */
public record Scope(String userId, String agentId, String sessionId) {
  /** Validates the ids. */
  public Scope {
    check("scope.userId", userId);
    check("scope.agentId", agentId);
    check("scope.sessionId", sessionId);
    if (userId == null && agentId == null && sessionId == null) {
      throw new IllegalArgumentException(
          "scope needs at least one of userId, agentId or sessionId");
    }
  }

  private static void check(String field, String id) {
    if (id != null && !valid(id)) {
      throw new IllegalArgumentException(
          field
              + " must be 1 to 128 letters, digits or . _ - : @ + starting with a letter or digit, got '"
              + Text.abbreviate(id)
              + "'");
    }
  }

  /** {@code [A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}}. */
  private static boolean valid(String id) {
    int n = id.length();
    if (n < 1 || n > 128 || !Text.asciiLetterOrDigit(id.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = id.charAt(i);
      if (!Text.asciiLetterOrDigit(c)
          && c != '.'
          && c != '_'
          && c != ':'
          && c != '@'
          && c != '+'
          && c != '-') {
        return false;
      }
    }
    return true;
  }

  /** A user's memory, shared across the user's sessions. */
  public static Scope user(String userId) {
    return new Scope(Objects.requireNonNull(userId, "scope.userId must not be null"), null, null);
  }

  /** An agent's own memory (procedures, self-knowledge), not tied to a user. */
  public static Scope agent(String agentId) {
    return new Scope(null, Objects.requireNonNull(agentId, "scope.agentId must not be null"), null);
  }

  /** Any combination; {@code null} means "not part of this scope". */
  public static Scope of(String userId, String agentId, String sessionId) {
    return new Scope(userId, agentId, sessionId);
  }

  /** This scope narrowed to one session of the same owner. */
  public Scope withSession(String sessionId) {
    return new Scope(userId, agentId, Objects.requireNonNull(sessionId, "sessionId"));
  }

  /** This scope without its session: the owner's whole memory. */
  public Scope withoutSession() {
    return new Scope(userId, agentId, null);
  }

  /** Whether this scope has a user or agent, i.e. it does not consist of a session id alone. */
  public boolean hasOwner() {
    return userId != null || agentId != null;
  }

  /**
   * The reference rule every backend implements: whether a memory stored under {@code memoryScope}
   * is visible through this scope.
   */
  public boolean contains(Scope memoryScope) {
    return Objects.equals(userId, memoryScope.userId)
        && Objects.equals(agentId, memoryScope.agentId)
        && (sessionId == null || sessionId.equals(memoryScope.sessionId));
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Scope[");
    String sep = "";
    if (userId != null) {
      sb.append("user=").append(userId);
      sep = ", ";
    }
    if (agentId != null) {
      sb.append(sep).append("agent=").append(agentId);
      sep = ", ";
    }
    if (sessionId != null) {
      sb.append(sep).append("session=").append(sessionId);
    }
    return sb.append(']').toString();
  }
}
