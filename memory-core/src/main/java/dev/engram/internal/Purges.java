package dev.engram.internal;

import dev.engram.backend.ListQuery;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Hard deletes: one memory, a scope, or a user across agents and sessions. A purged memory keeps
 * only a PURGE event (id, scope, time) in history, and the owner's other memories lose their links
 * to it in the same batch.
 */
final class Purges {
  private final StoreCore core;

  Purges(StoreCore core) {
    this.core = core;
  }

  boolean purge(Scope scope, MemoryId id, String actor) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(id, "id must not be null");
    StoreCore.checkActor(actor);
    core.checkOpen();
    StoreCore.OwnerHold hold = core.hold(scope);
    try {
      Optional<Memory> m = core.backend.get(id).filter(x -> scope.contains(x.scope()));
      if (m.isEmpty()) {
        return false;
      }
      purgeLocked(List.of(m.get()), true, actor);
      return true;
    } finally {
      hold.close();
    }
  }

  /**
   * Purges memories of one owner in one batch. A tombstone keeps only the id, the scope (which
   * history by scope needs) and the time.
   *
   * @param unlink whether to remove the owner's other memories' links to them, in the same batch
   */
  private void purgeLocked(List<Memory> memories, boolean unlink, String actor) {
    Instant now = core.clock.instant();
    List<MemoryId> ids = new ArrayList<>(memories.size());
    PendingBatch batch = new PendingBatch(core, memories.get(0).scope(), now);
    for (Memory m : memories) {
      ids.add(m.id());
      batch.events.add(
          new HistoryEvent(
              0, m.id(), m.scope(), EventType.PURGE, null, null, "purged", actor, now));
    }
    if (unlink) {
      unlinkFrom(batch, Set.copyOf(ids));
    }
    core.backend.apply(batch.toWriteBatch(ids));
    core.recalls.forget(ids);
  }

  /**
   * Removes the links to purged memories from the owner's other memories (links never cross
   * owners), each change an UPDATE event: nothing keeps referring to what was purged.
   */
  private void unlinkFrom(PendingBatch batch, Set<MemoryId> purged) {
    for (Memory m : core.scan(Filter.of(batch.owner))) {
      if (purged.contains(m.id())
          || m.links().stream().noneMatch(l -> purged.contains(l.target()))) {
        continue;
      }
      Memory current = batch.current(m.id()).orElse(m);
      List<Link> kept = current.links().stream().filter(l -> !purged.contains(l.target())).toList();
      batch.record(
          EventType.UPDATE,
          current,
          current.toBuilder().links(kept),
          "links to purged memories removed",
          "system");
    }
  }

  long purgeScope(Scope scope) {
    Objects.requireNonNull(scope, "scope must not be null");
    core.checkOpen();
    Set<MemoryId> purged = new HashSet<>();
    long n = purgeMatching(Filter.of(scope), purged);
    if (scope.sessionId() != null && !purged.isEmpty()) {
      // The owner's other sessions may link into the purged one.
      StoreCore.OwnerHold hold = core.hold(scope);
      try {
        PendingBatch batch = new PendingBatch(core, scope, core.clock.instant());
        unlinkFrom(batch, purged);
        if (!batch.events.isEmpty()) {
          core.backend.apply(batch.toWriteBatch(List.of()));
        }
      } finally {
        hold.close();
      }
    }
    return n;
  }

  long purgeUser(String userId) {
    Objects.requireNonNull(userId, "userId must not be null");
    core.checkOpen();
    Scope.user(userId); // validates the id
    // Every owner with this user goes entirely, and links never cross owners: nothing to unlink.
    return purgeMatching(Filter.eq("userId", userId), new HashSet<>());
  }

  /**
   * Purges in owner-locked chunks; each chunk is atomic and the whole is idempotent if interrupted.
   *
   * @param purged collects the ids purged
   */
  private long purgeMatching(Filter filter, Set<MemoryId> purged) {
    long before = purged.size();
    while (true) {
      List<Memory> batch = core.backend.list(ListQuery.first(filter, StoreCore.SCAN_PAGE));
      if (batch.isEmpty()) {
        return purged.size() - before;
      }
      Map<String, List<Memory>> byOwner = new LinkedHashMap<>();
      for (Memory m : batch) {
        byOwner.computeIfAbsent(Scopes.ownerKey(m.scope()), k -> new ArrayList<>()).add(m);
      }
      for (Map.Entry<String, List<Memory>> e : byOwner.entrySet()) {
        StoreCore.OwnerHold hold = core.holdKey(e.getKey());
        try {
          List<Memory> present = new ArrayList<>();
          for (Memory m : e.getValue()) {
            core.backend.get(m.id()).ifPresent(present::add);
          }
          if (!present.isEmpty()) {
            purgeLocked(present, false, "api");
            present.forEach(m -> purged.add(m.id()));
          }
        } finally {
          hold.close();
        }
      }
    }
  }
}
