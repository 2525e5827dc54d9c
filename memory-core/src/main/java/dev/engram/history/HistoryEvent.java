package dev.engram.history;

import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.time.Instant;
import java.util.Objects;

/**
 * One change to one memory. Events of a store are numbered by a strictly increasing {@code
 * sequence}, which orders them.
 *
 * @param sequence the store-wide order of the event, from 1; 0 until the backend has stored it
 * @param memoryId the memory that changed
 * @param scope the memory's scope
 * @param type what happened
 * @param before the memory before the change, or {@code null} for ADD and PURGE
 * @param after the memory after the change, or {@code null} for PURGE
 * @param reason why, in words (may be empty), at most {@value #MAX_REASON_LENGTH} characters
 * @param actor who made the change: {@code api}, {@code pipeline}, {@code maintenance}, or a
 *     caller's label
 * @param at when the change took effect
 */
public record HistoryEvent(
    long sequence,
    MemoryId memoryId,
    Scope scope,
    EventType type,
    Memory before,
    Memory after,
    String reason,
    String actor,
    Instant at) {

  /** Longest reason, in characters. */
  public static final int MAX_REASON_LENGTH = 1024;

  /** Validates. */
  public HistoryEvent {
    if (sequence < 0) {
      throw new IllegalArgumentException("sequence must not be negative, got " + sequence);
    }
    Objects.requireNonNull(memoryId, "memoryId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(type, "type");
    reason = checkReason(reason);
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(at, "at");
    if (type == EventType.PURGE && (before != null || after != null)) {
      throw new IllegalArgumentException("a PURGE event keeps no content");
    }
    if (type != EventType.PURGE && after == null) {
      throw new IllegalArgumentException(type + " event needs the memory after the change");
    }
  }

  /**
   * Validates a reason given for a change: {@code null} becomes empty.
   *
   * @throws IllegalArgumentException naming {@code reason} if it is longer than {@value
   *     #MAX_REASON_LENGTH} characters
   */
  public static String checkReason(String reason) {
    if (reason == null) {
      return "";
    }
    if (reason.length() > MAX_REASON_LENGTH) {
      throw new IllegalArgumentException(
          "reason is "
              + reason.length()
              + " characters; at most "
              + MAX_REASON_LENGTH
              + " are allowed");
    }
    return reason;
  }

  /** This event with the sequence a backend assigned to it. */
  public HistoryEvent withSequence(long sequence) {
    return new HistoryEvent(sequence, memoryId, scope, type, before, after, reason, actor, at);
  }
}
