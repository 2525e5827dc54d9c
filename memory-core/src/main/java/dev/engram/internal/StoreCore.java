package dev.engram.internal;

import dev.engram.AddRequest;
import dev.engram.MemoryNotFoundException;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.OwnerLease;
import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PlannedChange;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
  final DefaultMemoryStore.Limits limits;
  final AccessBuffer recalls = new AccessBuffer();
  private final Locks ownerLocks = new Locks(256);
  // The owners whose lease this thread holds, with how many nested holds use it.
  private final ThreadLocal<Map<String, Integer>> leased = ThreadLocal.withInitial(HashMap::new);
  private final Locks leaseGates = new Locks(256);
  private final AtomicReference<Instant> lastCreatedAt = new AtomicReference<>(Instant.MIN);
  private volatile boolean closed;

  StoreCore(
      MemoryBackend backend,
      InstantSource clock,
      DecayPolicy decay,
      DefaultMemoryStore.Limits limits) {
    this.backend = backend;
    this.clock = clock;
    this.decay = decay;
    this.limits = limits;
    this.maxTextBytes = limits.maxTextBytes();
  }

  // ------------------------------------------------------------------ locks and lifecycle

  /**
   * Holds a scope's owner for one read-plan-write: the backend's lease (against other processes;
   * the threads of this one queue for it on a gate), then this process's lock (against other
   * threads). Nested holds on one thread take the lease once. The lease comes first so that no
   * thread waits for it while holding the lock, which a thread of this process holding the lease (a
   * pipeline run) may be about to take.
   */
  OwnerHold hold(Scope scope) {
    return hold(Scopes.ownerKey(scope), true);
  }

  /** {@link #hold(Scope)} by the owner's key ({@link Scopes#ownerKey}). */
  OwnerHold holdKey(String ownerKey) {
    return hold(ownerKey, true);
  }

  /**
   * The backend's lease alone, for a pipeline run: its planning reads the owner's memories outside
   * the lock (a serial lock per owner stands in for it) and its write takes the lock inside.
   */
  OwnerHold lease(Scope scope) {
    return hold(Scopes.ownerKey(scope), false);
  }

  private OwnerHold hold(String key, boolean lock) {
    Map<String, Integer> mine = leased.get();
    ReentrantLock gate = null;
    OwnerLease lease = null;
    if (!mine.containsKey(key)) {
      // One thread of this process at a time asks the backend for the owner's lease; the others
      // queue here rather than polling a shared backend against each other.
      gate = leaseGates.forKey(key);
      gate.lock();
      try {
        lease = backend.lease(key);
      } catch (RuntimeException e) {
        gate.unlock();
        throw e;
      }
      if (lease == OwnerLease.NONE) {
        gate.unlock(); // a backend one process owns: the lock below is enough
        gate = null;
        lease = null;
      }
    }
    mine.merge(key, 1, Integer::sum);
    ReentrantLock l = null;
    if (lock) {
      l = ownerLocks.forKey(key);
      l.lock();
    }
    return new OwnerHold(key, gate, lease, l);
  }

  /** A hold on one owner, released by {@link #close()} on the thread that took it. */
  final class OwnerHold implements AutoCloseable {
    private final String key;
    private final ReentrantLock gate;
    private final OwnerLease lease;
    private final ReentrantLock lock;

    private OwnerHold(String key, ReentrantLock gate, OwnerLease lease, ReentrantLock lock) {
      this.key = key;
      this.gate = gate;
      this.lease = lease;
      this.lock = lock;
    }

    @Override
    public void close() {
      if (lock != null) {
        lock.unlock();
      }
      Map<String, Integer> mine = leased.get();
      if (mine.merge(key, -1, Integer::sum) == 0) {
        mine.remove(key);
      }
      if (lease != null) {
        try {
          lease.close();
        } finally {
          gate.unlock();
        }
      }
    }
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

  // ------------------------------------------------------------------ write limits

  /**
   * Rejects an add whose messages, stored verbatim, would break {@code maxAddBytes}: checked before
   * anything runs, so nothing is written.
   */
  void checkAddSize(AddRequest request) {
    int n = request.messages().size();
    long perMessage = bytes(request.metadata()) + bytes(request.tags()) + bytes(request.sources());
    long total = 0;
    for (Message m : request.messages()) {
      total += utf8Length(m.text()) + utf8Length(m.id()) + utf8Length(m.name()) + perMessage;
    }
    if (total > limits.maxAddBytes()) {
      throw new IllegalArgumentException(
          "the add would store "
              + total
              + " bytes (its messages' text, and the request's metadata, tags and sources on each of"
              + " its "
              + n
              + " messages); the limit is "
              + limits.maxAddBytes()
              + " (Engram.Builder.maxAddBytes)");
    }
  }

  /**
   * Why a pipeline's plan breaks the write limits, or {@code null} if it does not. Such a plan is
   * not applied: the add stores its messages verbatim instead, as for any unusable plan, so nothing
   * the user said is lost to a model's runaway answer.
   */
  String planOverLimits(PipelinePlan plan, Map<String, Object> requestMetadata) {
    int adds = 0;
    long total = 0;
    long requestBytes = bytes(requestMetadata);
    for (PlannedChange c : plan.changes()) {
      if (c instanceof PlannedChange.Add add) {
        adds++;
        MemoryDraft d = add.draft();
        long text = utf8Length(d.text());
        if (text > maxTextBytes) {
          return "a planned memory's text is "
              + text
              + " bytes of UTF-8; the limit is "
              + maxTextBytes
              + " (Engram.Builder.maxTextBytes)";
        }
        total +=
            text
                + requestBytes
                + bytes(d.metadata())
                + bytes(d.keywords())
                + bytes(d.tags())
                + bytes(d.sources())
                + utf8Length(d.context());
      } else if (c instanceof PlannedChange.Update u) {
        total +=
            utf8Length(u.text())
                + bytes(u.metadata())
                + bytes(u.keywords())
                + bytes(u.tags())
                + bytes(u.sources())
                + utf8Length(u.context());
      }
    }
    if (adds > limits.maxFactsPerAdd()) {
      return "the pipeline planned "
          + adds
          + " memories; at most "
          + limits.maxFactsPerAdd()
          + " may come from one add (Engram.Builder.maxFactsPerAdd)";
    }
    if (total > limits.maxAddBytes()) {
      return "the pipeline's plan would store "
          + total
          + " bytes; the limit is "
          + limits.maxAddBytes()
          + " (Engram.Builder.maxAddBytes)";
    }
    return null;
  }

  /** Rejects a memory an update would leave larger than {@code maxAddBytes}. */
  void checkMemorySize(Memory m) {
    long total =
        utf8Length(m.text())
            + bytes(m.metadata())
            + bytes(m.keywords())
            + bytes(m.tags())
            + bytes(m.sources())
            + utf8Length(m.context());
    if (total > limits.maxAddBytes()) {
      throw new IllegalArgumentException(
          "the memory would hold "
              + total
              + " bytes of text, metadata, keywords, tags and sources; the limit is "
              + limits.maxAddBytes()
              + " (Engram.Builder.maxAddBytes)");
    }
  }

  private static long bytes(Map<String, ?> metadata) {
    if (metadata == null) {
      return 0;
    }
    long n = 0;
    for (Map.Entry<String, ?> e : metadata.entrySet()) {
      n += utf8Length(e.getKey());
      n +=
          switch (e.getValue()) {
            case String s -> utf8Length(s);
            case Collection<?> list -> {
              long items = 0;
              for (Object o : list) {
                items += o instanceof String s ? utf8Length(s) : 24;
              }
              yield items;
            }
            case null -> 0;
            default -> 24; // a number or a boolean
          };
    }
    return n;
  }

  private static long bytes(Collection<String> strings) {
    if (strings == null) {
      return 0;
    }
    long n = 0;
    for (String s : strings) {
      n += utf8Length(s);
    }
    return n;
  }

  /** UTF-8 length without encoding (a lone surrogate counts as the 3 bytes of its replacement). */
  static long utf8Length(String s) {
    if (s == null) {
      return 0;
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** The rule of {@code AddRequest.Builder.actor} and {@code MemoryUpdate.Builder.actor}. */
  static void checkActor(String actor) {
    if (actor == null || actor.isBlank() || actor.length() > 64) {
      throw new IllegalArgumentException("actor must be 1 to 64 characters");
    }
  }
}
