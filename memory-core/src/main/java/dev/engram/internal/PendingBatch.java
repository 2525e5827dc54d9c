package dev.engram.internal;

import dev.engram.backend.WriteBatch;
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
import java.util.Optional;
import java.util.Set;

/**
 * One owner's changes being gathered into an atomic {@link WriteBatch}, under the owner's lock:
 * each memory as the batch has left it so far, the memories it adds, and the history events in
 * order. Also keeps the links the store maintains on conversation turns (see {@link #derivedFrom}),
 * whichever write causes them.
 */
final class PendingBatch {
  final StoreCore core;
  final Scope owner;
  final Instant now;
  final Map<MemoryId, Memory> touched = new LinkedHashMap<>();
  final Set<MemoryId> added = new HashSet<>();
  final List<HistoryEvent> events = new ArrayList<>();

  PendingBatch(StoreCore core, Scope scope, Instant now) {
    this.core = core;
    this.owner = StoreCore.ownerOf(scope);
    this.now = now;
  }

  /**
   * The memory as this batch has left it so far, if the owner has it (whatever its status); loading
   * it settles what is due (pending recalls, decay) into the batch.
   */
  Optional<Memory> current(MemoryId id) {
    Memory m = touched.get(id);
    if (m != null) {
      return Optional.of(m);
    }
    Optional<Memory> stored = core.backend.get(id).filter(x -> owner.contains(x.scope()));
    if (stored.isEmpty()) {
      return Optional.empty();
    }
    m = core.settle(stored.get(), now, events);
    if (m != stored.get()) {
      touched.put(id, m);
    }
    return Optional.of(m);
  }

  /** Adds a new memory with its ADD event. */
  void add(Memory m, String reason, String actor) {
    added.add(m.id());
    touched.put(m.id(), m);
    events.add(StoreCore.event(EventType.ADD, null, m, reason, actor, now));
  }

  /**
   * Records a change to a memory and returns the changed memory. A memory this batch adds takes the
   * change into its ADD event instead.
   */
  Memory record(EventType type, Memory before, Memory.Builder after, String reason, String actor) {
    if (added.contains(before.id())) {
      Memory m = after.build();
      touched.put(m.id(), m);
      replaceAddEvent(m);
      return m;
    }
    Memory m = after.updatedAt(now).version(before.version() + 1).build();
    touched.put(m.id(), m);
    events.add(StoreCore.event(type, before, m, reason, actor, now));
    return m;
  }

  /** Replaces a memory this batch holds without an event of its own (its events are written). */
  void put(Memory m) {
    touched.put(m.id(), m);
  }

  /** Rewrites the ADD event of a memory this batch adds to carry its final value. */
  void replaceAddEvent(Memory m) {
    for (int i = 0; i < events.size(); i++) {
      HistoryEvent e = events.get(i);
      if (e.memoryId().equals(m.id()) && e.type() == EventType.ADD) {
        events.set(i, StoreCore.event(EventType.ADD, null, m, e.reason(), e.actor(), e.at()));
      }
    }
  }

  /** Whether there is anything to write. */
  boolean isEmpty() {
    return events.isEmpty() && touched.isEmpty();
  }

  /** The batch to apply, with the given purges first. */
  WriteBatch toWriteBatch(List<MemoryId> purges) {
    return new WriteBatch(purges, List.copyOf(touched.values()), events);
  }

  // ------------------------------------------------------------------ links kept on turns

  /**
   * After {@code fact} gained a {@link Link#DERIVED_FROM} link to {@code source}: a conversation
   * turn gets the inverse {@link Link#FACT} link, so that recall can rank it below what was derived
   * from it.
   */
  void derivedFrom(MemoryId fact, MemoryId source) {
    Optional<Memory> t = current(source);
    if (t.isEmpty() || !t.get().isTurn() || fact.equals(source)) {
      return;
    }
    Link link = new Link(fact, Link.FACT);
    if (t.get().links().contains(link)) {
      return;
    }
    List<Link> links = new ArrayList<>(t.get().links());
    links.add(link);
    record(
        EventType.LINK, t.get(), t.get().toBuilder().links(links), "a fact was derived", "system");
  }

  /**
   * After {@code fact} was invalidated or its text rewritten: the turns it was derived from mark it
   * as out of date, and name what replaced it (another memory, or the rewritten fact itself).
   *
   * @param successor the memory that replaced the fact, or {@code null}
   */
  void superseded(Memory fact, MemoryId successor) {
    for (Link d : fact.links()) {
      if (!d.relation().equals(Link.DERIVED_FROM)) {
        continue;
      }
      Optional<Memory> t = current(d.target());
      if (t.isEmpty() || !t.get().isTurn()) {
        continue;
      }
      List<Link> links = new ArrayList<>(t.get().links());
      boolean changed = links.remove(new Link(fact.id(), Link.FACT));
      Link outdated = new Link(fact.id(), Link.OUTDATED_FACT);
      if (!links.contains(outdated)) {
        links.add(outdated);
        changed = true;
      }
      if (successor != null && !successor.equals(d.target())) {
        Link by = new Link(successor, Link.SUPERSEDED_BY);
        if (!links.contains(by) && links.size() < Memory.MAX_LIST_SIZE) {
          links.add(by);
          changed = true;
        }
      }
      if (changed && links.size() <= Memory.MAX_LIST_SIZE) {
        record(
            EventType.LINK,
            t.get(),
            t.get().toBuilder().links(links),
            "a fact derived from it was superseded",
            "system");
      }
    }
  }

  /** After {@code fact} was restored: the turns it was derived from hold it current again. */
  void restored(Memory fact) {
    for (Link d : fact.links()) {
      if (!d.relation().equals(Link.DERIVED_FROM)) {
        continue;
      }
      Optional<Memory> t = current(d.target());
      if (t.isEmpty() || !t.get().isTurn()) {
        continue;
      }
      List<Link> links = new ArrayList<>(t.get().links());
      if (links.remove(new Link(fact.id(), Link.OUTDATED_FACT))) {
        links.add(new Link(fact.id(), Link.FACT));
        record(
            EventType.LINK,
            t.get(),
            t.get().toBuilder().links(links),
            "a fact derived from it was restored",
            "system");
      }
    }
  }
}
