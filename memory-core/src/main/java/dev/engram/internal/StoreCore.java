package dev.engram.internal;

import dev.engram.MemoryNotFoundException;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What every part of the store shares: the backend, the clock, the decay policy, the owner locks,
 * the recall buffer, and the rules written once (ids, creation times, history events, how a stored
 * memory reads now, size and actor checks).
 */
final class StoreCore {
  static final int SCAN_PAGE = 500;

  final MemoryBackend backend;
  final InstantSource clock;
  final DecayPolicy decay;
  final int maxTextBytes;
  final AccessBuffer recalls = new AccessBuffer();
  private final Locks ownerLocks = new Locks(256);
  private final AtomicReference<Instant> lastCreatedAt = new AtomicReference<>(Instant.MIN);
  private volatile boolean closed;

  StoreCore(MemoryBackend backend, InstantSource clock, DecayPolicy decay, int maxTextBytes) {
    this.backend = backend;
    this.clock = clock;
    this.decay = decay;
    this.maxTextBytes = maxTextBytes;
  }

  // ------------------------------------------------------------------ locks and lifecycle

  /** The lock of a scope's owner: one owner's memories change one batch at a time. */
  ReentrantLock lockFor(Scope scope) {
    return ownerLocks.forKey(Scopes.ownerKey(scope));
  }

  /** The lock of an owner by its key ({@link Scopes#ownerKey}). */
  ReentrantLock lockForKey(String ownerKey) {
    return ownerLocks.forKey(ownerKey);
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the memory store is closed");
    }
  }

  boolean isClosed() {
    return closed;
  }

  void markClosed() {
    closed = true;
  }

  // ------------------------------------------------------------------ reading memories

  /**
   * A stored memory as reads show it at {@code now}: its pending recalls applied, then the
   * time-driven changes due (an idle working memory moved, a faded one archived).
   */
  Memory present(Memory stored, Instant now) {
    AccessBuffer.Pending p = recalls.peek(stored.id());
    return decay.effective(p == null ? stored : recalled(stored, p), now);
  }

  /** A memory with pending recalls applied, each one as {@link DecayPolicy#reinforce} does. */
  private Memory recalled(Memory stored, AccessBuffer.Pending p) {
    Memory m = stored;
    for (long i = 0; i < p.count() && i < 1000; i++) {
      m = decay.reinforce(m, p.last());
    }
    return m;
  }

  /** The memory in the scope as reads show it at {@code now}, or empty. */
  Optional<Memory> loadInScope(Scope scope, MemoryId id, Instant now) {
    return backend.get(id).filter(m -> scope.contains(m.scope())).map(m -> present(m, now));
  }

  /**
   * For a write: the memory in the scope as it is at {@code now}, with what is due written into
   * {@code events} — its pending recalls (taken from the buffer: the write stores them) and the
   * time-driven changes (what maintenance would have written, so history stays complete whichever
   * comes first). Call with the owner's lock held.
   *
   * @throws MemoryNotFoundException if the scope has no such memory
   */
  Memory loadForWrite(Scope scope, MemoryId id, Instant now, List<HistoryEvent> events) {
    Memory stored =
        backend
            .get(id)
            .filter(m -> scope.contains(m.scope()))
            .orElseThrow(() -> new MemoryNotFoundException(id, scope));
    return settle(stored, now, events);
  }

  /**
   * A stored memory brought up to {@code now} for a write: pending recalls applied (and taken from
   * the buffer), then due time-driven changes, each with its history event. The memory itself when
   * nothing is due. Call with the owner's lock held.
   */
  Memory settle(Memory stored, Instant now, List<HistoryEvent> events) {
    Memory current = stored;
    AccessBuffer.Pending p = recalls.take(stored.id());
    if (p != null) {
      // Time-driven changes due before the recall, then the recall itself.
      current = materialize(current, p.last(), events);
      if (current.status() == dev.engram.memory.Status.ACTIVE) {
        for (long i = 0; i < p.count() && i < 1000; i++) {
          Memory recalled = decay.reinforce(current, p.last());
          if (recalled.tier() != current.tier()) {
            events.add(
                event(
                    EventType.PROMOTE,
                    current,
                    recalled,
                    "recalled " + recalled.accessCount() + " times",
                    "system",
                    p.last()));
          }
          current = recalled;
        }
      }
    }
    return materialize(current, now, events);
  }

  /**
   * The memory with its due time-driven changes applied, appending their events: what maintenance
   * would have written, so history stays complete whichever comes first.
   */
  Memory materialize(Memory stored, Instant now, List<HistoryEvent> events) {
    Memory before = stored;
    for (Memory step : decay.transitions(stored, now)) {
      boolean moved = step.tier() != before.tier();
      events.add(
          event(
              moved ? EventType.PROMOTE : EventType.ARCHIVE,
              before,
              step,
              moved
                  ? "idle for longer than the working-memory timeout"
                  : String.format(
                      Locale.ROOT,
                      "retention fell to the archive threshold %.3f",
                      decay.archiveThreshold()),
              "maintenance",
              step.updatedAt()));
      before = step;
    }
    return before;
  }

  /** The memory promoted if it now qualifies, with a PROMOTE event; else the memory itself. */
  Memory promoteIfDue(Memory m, Instant now, List<HistoryEvent> events) {
    Memory promoted = decay.promoteIfDue(m, now);
    if (promoted != m) {
      events.add(event(EventType.PROMOTE, m, promoted, promotionReason(promoted), "system", now));
    }
    return promoted;
  }

  String promotionReason(Memory m) {
    return m.importance() >= decay.promoteAtImportance()
        ? String.format(
            Locale.ROOT,
            "importance %.2f reached the promotion threshold %.2f",
            m.importance(),
            decay.promoteAtImportance())
        : "recalled " + m.accessCount() + " times";
  }

  /** Every stored memory matching the filter, in creation order. */
  List<Memory> scan(Filter filter) {
    List<Memory> out = new ArrayList<>();
    Instant afterAt = null;
    MemoryId afterId = null;
    while (true) {
      List<Memory> page = backend.list(new ListQuery(filter, afterAt, afterId, SCAN_PAGE, false));
      out.addAll(page);
      if (page.size() < SCAN_PAGE) {
        return out;
      }
      Memory last = page.get(page.size() - 1);
      afterAt = last.createdAt();
      afterId = last.id();
    }
  }

  // ------------------------------------------------------------------ new memories and events

  /**
   * A creation time at or after {@code now} and strictly after every earlier one, so that listing
   * in creation order keeps the order things were said, even for a batch stored in one instant.
   */
  Instant nextCreatedAt(Instant now) {
    return lastCreatedAt.accumulateAndGet(
        now, (last, candidate) -> candidate.isAfter(last) ? candidate : last.plusNanos(1));
  }

  /**
   * A new id: 122 random bits, so it is no id used before, in this store or any other (the chance
   * of a repeat among a billion ids is below 10^-19), and looking each one up in the backend — two
   * index reads per memory added — would buy nothing. Only the batch's own ids are checked.
   */
  static MemoryId freshId(Collection<MemoryId> alsoTaken) {
    while (true) {
      MemoryId id = MemoryId.random();
      if (!alsoTaken.contains(id)) {
        return id;
      }
    }
  }

  /** When a memory observed at {@code observedAt} starts being valid: never after it is stored. */
  static Instant validFrom(Instant observedAt, Instant now) {
    return observedAt.isAfter(now) ? now : observedAt;
  }

  static HistoryEvent event(
      EventType type, Memory before, Memory after, String reason, String actor, Instant at) {
    return new HistoryEvent(
        0, after.id(), after.scope(), type, before, after, clip(reason), actor, at);
  }

  /**
   * A reason cut to the length history keeps. Callers' reasons are checked (and rejected) up front;
   * a pipeline's are built from model output and must not make a change fail.
   */
  static String clip(String reason) {
    if (reason == null || reason.length() <= HistoryEvent.MAX_REASON_LENGTH) {
      return reason;
    }
    return reason.substring(0, HistoryEvent.MAX_REASON_LENGTH - 3) + "...";
  }

  /** The owner of a scope: the scope without its session. */
  static Scope ownerOf(Scope scope) {
    return scope.hasOwner() ? scope.withoutSession() : scope;
  }

  // ------------------------------------------------------------------ checks

  void checkTextSize(String field, String text) {
    // Most texts are far below the limit; count bytes only when they might not be.
    if ((long) text.length() * 3 <= maxTextBytes) {
      return;
    }
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxTextBytes) {
      throw new IllegalArgumentException(
          field
              + " is "
              + bytes
              + " bytes of UTF-8; the limit is "
              + maxTextBytes
              + " (Engram.Builder.maxTextBytes)");
    }
  }

  /** The rule of {@code AddRequest.Builder.actor} and {@code MemoryUpdate.Builder.actor}. */
  static void checkActor(String actor) {
    if (actor == null || actor.isBlank() || actor.length() > 64) {
      throw new IllegalArgumentException("actor must be 1 to 64 characters");
    }
  }
}
