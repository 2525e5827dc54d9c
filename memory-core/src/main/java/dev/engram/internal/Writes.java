package dev.engram.internal;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MemoryNotFoundException;
import dev.engram.MemoryUpdate;
import dev.engram.PipelineOutcome;
import dev.engram.VersionConflictException;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The store's direct writes: messages stored verbatim, and the caller's changes to one memory
 * (update, invalidate, delete, restore, link). Each is one atomic batch under the owner's lock,
 * with its history events, the time-driven changes it found due, and the links kept on turns.
 */
final class Writes {
  private final StoreCore core;

  Writes(StoreCore core) {
    this.core = core;
  }

  // ------------------------------------------------------------------ verbatim adds

  /**
   * Stores each message verbatim, as a conversation turn numbered in its session (whatever kind the
   * request gives it: a fact the user states is still something said).
   *
   * @param messages the messages with their observed-at times resolved
   */
  AddResult addVerbatim(AddRequest request, List<Message> messages, PipelineOutcome outcome) {
    Scope scope = request.scope();
    StoreCore.OwnerHold hold = core.hold(scope);
    try {
      Instant now = core.clock.instant();
      PendingBatch batch = new PendingBatch(core, scope, now);
      TurnNumbers turns = new TurnNumbers(core.backend);
      boolean fellBack = outcome.status() == PipelineOutcome.Status.FELL_BACK;
      Kind kind = fellBack ? Kind.EPISODIC : request.kind();
      for (Message message : messages) {
        List<String> sources = new ArrayList<>();
        if (message.id() != null) {
          sources.add(message.id());
        }
        for (String s : request.sources()) {
          if (!sources.contains(s)) {
            sources.add(s);
          }
        }
        Memory m =
            Memory.builder()
                .id(StoreCore.freshId(batch.added))
                .text(message.text())
                .scope(scope)
                .tier(fellBack ? Tier.SHORT_TERM : request.tier())
                .kind(kind)
                .importance(request.importance())
                .createdAt(core.nextCreatedAt(now), message.observedAt())
                .validFrom(StoreCore.validFrom(message.observedAt(), now))
                .metadata(request.metadata())
                .tags(request.tags())
                .sources(sources)
                .turn(turns.next(scope, message))
                .build();
        m = core.decay.promoteIfDue(m, now).toBuilder().version(1).build();
        batch.add(m, fellBack ? "pipeline failed; stored verbatim" : "", request.actor());
      }
      if (scope.sessionId() != null) {
        boundWorkingMemory(batch, scope);
      }
      return new AddResult(core.backend.apply(batch.toWriteBatch(List.of())), outcome);
    } finally {
      hold.close();
    }
  }

  /**
   * Keeps a session's working memory within the decay policy's capacity once a batch is applied.
   * Working memories of the session that are idle past the timeout move first, with the events
   * maintenance would write; then the least recently used beyond capacity move to short-term.
   *
   * @param session the scope of one session, as stored on its memories
   */
  void boundWorkingMemory(PendingBatch batch, Scope session) {
    List<Memory> working = new ArrayList<>();
    for (Memory m : batch.touched.values()) {
      if (m.status() == Status.ACTIVE && m.tier() == Tier.WORKING && session.contains(m.scope())) {
        working.add(m);
      }
    }
    if (working.isEmpty()) {
      return;
    }
    Filter stored =
        Filter.and(
            Filter.of(session),
            Filter.eq("tier", Tier.WORKING),
            Filter.eq("status", Status.ACTIVE));
    for (Memory m : core.scan(stored)) {
      if (batch.touched.containsKey(m.id())) {
        continue;
      }
      Memory current = core.settle(m, batch.now, batch.events);
      if (current != m) {
        batch.put(current);
      }
      if (current.status() == Status.ACTIVE && current.tier() == Tier.WORKING) {
        working.add(current);
      }
    }
    int excess = working.size() - core.decay.workingCapacity();
    if (excess <= 0) {
      return;
    }
    working.sort(
        Comparator.comparing(Memory::lastAccessedAt)
            .thenComparing(Memory::createdAt)
            .thenComparing(Memory::id));
    for (Memory m : working.subList(0, excess)) {
      if (batch.added.contains(m.id())) {
        Memory moved = m.toBuilder().tier(Tier.SHORT_TERM).build();
        batch.put(moved);
        batch.replaceAddEvent(moved);
      } else {
        Memory moved =
            m.toBuilder()
                .tier(Tier.SHORT_TERM)
                .updatedAt(batch.now)
                .version(m.version() + 1)
                .build();
        batch.put(moved);
        batch.events.add(
            StoreCore.event(
                EventType.PROMOTE, m, moved, "working memory full", "system", batch.now));
      }
    }
  }

  // ------------------------------------------------------------------ changes to one memory

  Memory update(Scope scope, MemoryId id, MemoryUpdate update) {
    Objects.requireNonNull(update, "update must not be null");
    return change(
        scope,
        id,
        update.actor(),
        (current, batch) -> {
          if (update.ifVersion() != 0 && update.ifVersion() != current.version()) {
            throw new VersionConflictException(id, update.ifVersion(), current.version());
          }
          if (current.status() == Status.DELETED) {
            throw new IllegalStateException(
                "memory " + id + " is deleted; restore it before updating it");
          }
          Memory.Builder b = current.toBuilder();
          boolean rewritten = false;
          if (update.text() != null) {
            core.checkTextSize("text", update.text());
            b.text(update.text());
            rewritten = !update.text().equals(current.text());
          }
          if (update.metadata() != null) {
            b.metadata(update.metadata());
          }
          if (update.importance() != null) {
            b.importance(update.importance());
          }
          if (update.keywords() != null) {
            b.keywords(update.keywords());
          }
          if (update.tags() != null) {
            b.tags(update.tags());
          }
          if (update.context() != null) {
            b.context(update.context());
          }
          if (update.kind() != null) {
            b.kind(update.kind());
          }
          if (update.tier() != null) {
            if (update.tier() == Tier.WORKING && current.scope().sessionId() == null) {
              throw new IllegalArgumentException(
                  "tier WORKING needs a memory stored with a session");
            }
            if (update.tier() == Tier.WORKING && current.tier() != Tier.WORKING) {
              // Brought to mind: or it would be idle, and leave working memory, at once.
              b.lastAccessedAt(batch.now);
            }
            b.tier(update.tier());
          }
          if (update.validFrom() != null) {
            b.validFrom(update.validFrom());
          }
          if (update.text() != null
              || update.metadata() != null
              || update.keywords() != null
              || update.tags() != null
              || update.context() != null) {
            core.checkMemorySize(b.build());
          }
          Memory after =
              batch.record(EventType.UPDATE, current, b, update.reason(), update.actor());
          // Raising importance can promote, as it does at add time; an explicit tier wins.
          if (update.importance() != null && update.tier() == null) {
            Memory promoted = core.promoteIfDue(after, batch.now, batch.events);
            batch.put(promoted);
            after = promoted;
          }
          if (rewritten) {
            batch.superseded(after, after.id());
          }
          return after;
        });
  }

  Memory invalidate(Scope scope, MemoryId id, String reason, String actor) {
    HistoryEvent.checkReason(reason);
    StoreCore.checkActor(actor);
    return change(
        scope,
        id,
        actor,
        (current, batch) -> {
          switch (current.status()) {
            case DELETED ->
                throw new IllegalStateException(
                    "memory " + id + " is deleted; restore it before invalidating it");
            case INVALIDATED -> {
              return null;
            }
            default -> {
              Instant validTo =
                  batch.now.isBefore(current.validFrom()) ? current.validFrom() : batch.now;
              Memory after =
                  batch.record(
                      EventType.INVALIDATE,
                      current,
                      current.toBuilder().status(Status.INVALIDATED).validTo(validTo),
                      reason,
                      actor);
              batch.superseded(after, null);
              return after;
            }
          }
        });
  }

  Memory delete(Scope scope, MemoryId id, String reason, String actor) {
    HistoryEvent.checkReason(reason);
    StoreCore.checkActor(actor);
    return change(
        scope,
        id,
        actor,
        (current, batch) ->
            current.status() == Status.DELETED
                ? null
                : batch.record(
                    EventType.DELETE,
                    current,
                    current.toBuilder().status(Status.DELETED),
                    reason,
                    actor));
  }

  Memory restore(Scope scope, MemoryId id, String reason, String actor) {
    HistoryEvent.checkReason(reason);
    StoreCore.checkActor(actor);
    return change(
        scope,
        id,
        actor,
        (current, batch) -> {
          if (current.status() == Status.ACTIVE) {
            return null;
          }
          // A fresh forgetting curve, or an archived memory would fade straight back.
          Memory.Builder b = current.toBuilder().lastAccessedAt(batch.now);
          if (current.status() == Status.DELETED && current.validTo() != null) {
            // Only an invalidation sets validTo: undo the delete, and the memory is again a fact
            // that was true until then (restoring it once more reopens it).
            b.status(Status.INVALIDATED);
          } else {
            b.status(Status.ACTIVE).validTo(null);
          }
          Memory after = batch.record(EventType.RESTORE, current, b, reason, actor);
          if (current.status() == Status.INVALIDATED && after.status() == Status.ACTIVE) {
            batch.restored(after);
          }
          return after;
        });
  }

  Memory link(Scope scope, MemoryId from, MemoryId to, String relation, String actor) {
    Objects.requireNonNull(from, "from must not be null");
    Objects.requireNonNull(to, "to must not be null");
    StoreCore.checkActor(actor);
    Link link = new Link(to, relation == null ? Link.RELATED : relation);
    if (from.equals(to)) {
      throw new IllegalArgumentException("a memory cannot link to itself (" + from + ")");
    }
    return change(
        scope,
        from,
        actor,
        (current, batch) -> {
          Optional<Memory> target = batch.current(to);
          if (target.isEmpty() || !scope.contains(target.get().scope())) {
            throw new MemoryNotFoundException(to, scope);
          }
          if (current.links().contains(link)) {
            return null;
          }
          List<Link> links = new ArrayList<>(current.links());
          links.add(link);
          Memory after =
              batch.record(
                  EventType.LINK,
                  current,
                  current.toBuilder().links(links),
                  "linked to " + to + " (" + link.relation() + ")",
                  actor);
          if (link.relation().equals(Link.DERIVED_FROM)) {
            batch.derivedFrom(after.id(), to);
          }
          return after;
        });
  }

  @FunctionalInterface
  private interface ChangeFn {
    /**
     * Records the change in the batch and returns the changed memory, or returns {@code null} when
     * the memory is already as asked.
     */
    Memory apply(Memory current, PendingBatch batch);
  }

  private Memory change(Scope scope, MemoryId id, String actor, ChangeFn fn) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(id, "id must not be null");
    core.checkOpen();
    StoreCore.OwnerHold hold = core.hold(scope);
    try {
      PendingBatch batch = new PendingBatch(core, scope, core.clock.instant());
      Memory current =
          batch
              .current(id)
              .filter(m -> scope.contains(m.scope()))
              .orElseThrow(() -> new MemoryNotFoundException(id, scope));
      Memory after = fn.apply(current, batch);
      if (after == null) {
        if (!batch.isEmpty()) {
          core.backend.apply(batch.toWriteBatch(List.of()));
        }
        return current;
      }
      if (after.tier() == Tier.WORKING && after.scope().sessionId() != null) {
        boundWorkingMemory(batch, after.scope());
      }
      core.backend.apply(batch.toWriteBatch(List.of()));
      return batch.touched.get(after.id());
    } finally {
      hold.close();
    }
  }
}
