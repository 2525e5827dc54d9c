package dev.engram.memory;

import java.util.Objects;

/**
 * Where a memory was said: a message stored verbatim is a turn of its conversation. A memory is a
 * turn exactly when {@link Memory#turn()} is not {@code null}; what a pipeline derives (facts,
 * summaries) is not.
 *
 * <p>The store numbers turns: in a session, 1, 2, 3 … in the order they were stored; outside a
 * session, in the owner's stream of session-less turns. Conversation signals (the session, the
 * neighbouring turns, the question a turn answers) apply only to turns said in a session.
 *
 * @param session the session the turn was said in (the memory's {@link Scope#sessionId()}), or
 *     {@code null} for a turn stored without a session
 * @param number the turn's position in its session (or session-less stream), from 1
 * @param speaker who said it by name (e.g. "Caroline"), or {@code null} when only the role is known
 * @param role who said it
 */
public record Turn(String session, long number, String speaker, Role role) {
  /** Longest speaker name, in characters (as {@link Message#name()}). */
  public static final int MAX_SPEAKER_LENGTH = 128;

  /** Validates. */
  public Turn {
    if (number < 1) {
      throw new IllegalArgumentException("turn.number must be at least 1, got " + number);
    }
    if (speaker != null && (speaker.isBlank() || speaker.length() > MAX_SPEAKER_LENGTH)) {
      throw new IllegalArgumentException(
          "turn.speaker must be 1 to " + MAX_SPEAKER_LENGTH + " characters when given");
    }
    Objects.requireNonNull(role, "turn.role must not be null");
  }

  /** Whether the turn was said in a session, so that conversation signals apply to it. */
  public boolean inSession() {
    return session != null;
  }

  /** The speaker's name, or the role's (e.g. {@code user}) when there is none. */
  public String speakerOrRole() {
    return speaker != null ? speaker : role.name().toLowerCase(java.util.Locale.ROOT);
  }
}
