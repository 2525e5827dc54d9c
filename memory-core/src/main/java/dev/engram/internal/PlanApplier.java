package dev.engram.internal;

import dev.engram.MemoryStore;
import dev.engram.history.EventType;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.PlannedChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a pipeline's plan into checked changes. Every id the plan refers to must exist in the
 * owner's scope and not be deleted; a change that fails is skipped with a note, and never takes an
 * add down with it.
 *
 * <p>The store assigns the id of every memory a plan adds: a draft's id only names the draft within
 * its plan, and every reference to it (links, invalidations, updates) is mapped to the assigned id.
 * So no pipeline can choose an id that another owner, or a purged memory, has.
 *
 * <p>No fact is lost to a conflict between decisions: an update that brings new text to a memory
 * that cannot take it (gone, deleted or purged meanwhile, not in the scope, no longer active,
 * invalidated or already changed by this plan) is added as a new memory instead, linked to the
 * memory it meant to change when that one is still there.
 *
 * <p>The request's sources are recorded on every memory the plan adds or updates.
 */
final class PlanApplier {
  private final StoreCore core;
  private final Scope scope;
  private final Scope owner;
  private final Instant now;
  private final Instant observedAt;
  final PendingBatch batch;
  private final TurnNumbers turns;
  private final Map<String, Object> requestMetadata;
  private final List<String> requestSources;
  private final Map<MemoryId, MemoryId> assigned = new HashMap<>();

  /** Memories whose text this plan changed, or which it invalidates: no second claim. */
  private final Set<MemoryId> claimed = new HashSet<>();

  final List<String> notes = new ArrayList<>();
  int addsRequested;
  int addsApplied;

  PlanApplier(
      StoreCore core,
      Scope scope,
      Instant now,
      Instant observedAt,
      Map<String, Object> requestMetadata,
      List<String> requestSources) {
    this.core = core;
    this.scope = scope;
    this.owner = StoreCore.ownerOf(scope);
    this.now = now;
    this.batch = new PendingBatch(core, scope, now);
    this.turns = new TurnNumbers(core.backend);
    this.observedAt = observedAt;
    this.requestMetadata = requestMetadata;
    this.requestSources = requestSources;
  }

  void apply(List<PlannedChange> changes) {
    // Ids first, so that any change (and any draft's links) can refer to any draft of the plan.
    List<PlannedChange.Add> adds = new ArrayList<>();
    List<MemoryId> addIds = new ArrayList<>();
    for (PlannedChange c : changes) {
      if (c instanceof PlannedChange.Add add) {
        MemoryId id = StoreCore.freshId(addIds);
        assigned.putIfAbsent(add.draft().id(), id);
        adds.add(add);
        addIds.add(id);
      }
    }
    // Then the adds, so that the other changes can refer to the new memories.
    for (int i = 0; i < adds.size(); i++) {
      addsRequested++;
      try {
        applyAdd(adds.get(i), addIds.get(i));
        addsApplied++;
      } catch (IllegalArgumentException e) {
        notes.add("skipped an add: " + e.getMessage());
      }
    }
    for (int i = 0; i < adds.size(); i++) {
      if (batch.added.contains(addIds.get(i))) {
        linkDraft(adds.get(i).draft(), addIds.get(i));
      }
    }
    // An invalidation wins over an update of the same memory, wherever it stands in the plan.
    for (PlannedChange c : changes) {
      if (c instanceof PlannedChange.Invalidate i) {
        claimed.add(resolve(i.id()));
      }
    }
    for (PlannedChange c : changes) {
      try {
        switch (c) {
          case PlannedChange.Add add -> {}
          case PlannedChange.Update u -> applyUpdate(u);
          case PlannedChange.Invalidate i -> applyInvalidate(i);
          case PlannedChange.AddLink l ->
              applyLink(
                  resolve(l.from()),
                  new Link(resolve(l.link().target()), l.link().relation()),
                  l.reason());
        }
      } catch (IllegalArgumentException | IllegalStateException e) {
        notes.add(
            "skipped "
                + c.getClass().getSimpleName().toLowerCase(Locale.ROOT)
                + ": "
                + e.getMessage());
      }
    }
  }

  /** The id a plan's reference stands for: the assigned id of a draft, else itself. */
  private MemoryId resolve(MemoryId reference) {
    return assigned.getOrDefault(reference, reference);
  }

  private void applyAdd(PlannedChange.Add add, MemoryId id) {
    MemoryDraft d = add.draft();
    if (d.text().isBlank()) {
      throw new IllegalArgumentException("text is blank");
    }
    core.checkTextSize("text", d.text());
    Map<String, Object> metadata = new LinkedHashMap<>(requestMetadata);
    metadata.putAll(d.metadata());
    Instant observed = d.observedAt() != null ? d.observedAt() : observedAt;
    Tier tier = d.tier() == Tier.WORKING && scope.sessionId() == null ? Tier.SHORT_TERM : d.tier();
    Memory m =
        Memory.builder()
            .id(id)
            .text(d.text())
            .scope(scope)
            .tier(tier)
            .kind(d.kind())
            .importance(d.importance())
            .strength(Math.max(1, d.strength()))
            .createdAt(core.nextCreatedAt(now), observed)
            .validFrom(StoreCore.validFrom(observed, now))
            .metadata(metadata)
            .keywords(d.keywords())
            .tags(d.tags())
            .context(d.context())
            .sources(merge(d.sources(), requestSources))
            .turn(d.said() == null ? null : turns.next(scope, d.said()))
            .build();
    m = core.decay.promoteIfDue(m, now).toBuilder().version(1).build();
    batch.add(m, add.reason(), "pipeline");
  }

  /**
   * Adds the text an update could not bring to its target as a memory of its own, so that the fact
   * survives; it counts as an add.
   */
  private void addInstead(PlannedChange.Update u, MemoryId target, String why) {
    addsRequested++;
    Optional<Memory> still = current(target);
    Memory like = still.orElse(null);
    Map<String, Object> metadata = new LinkedHashMap<>(requestMetadata);
    if (like != null) {
      metadata.putAll(like.metadata());
    }
    metadata.putAll(u.metadata());
    Tier tier = like == null ? Tier.LONG_TERM : like.tier();
    if (tier == Tier.WORKING && scope.sessionId() == null) {
      tier = Tier.SHORT_TERM;
    }
    MemoryId id = StoreCore.freshId(batch.added);
    Memory m =
        Memory.builder()
            .id(id)
            .text(u.text())
            .scope(scope)
            .tier(tier)
            .kind(like == null ? Kind.SEMANTIC : like.kind())
            .importance(
                u.importance() != null ? u.importance() : like == null ? 0.5 : like.importance())
            .createdAt(core.nextCreatedAt(now), observedAt)
            .validFrom(StoreCore.validFrom(observedAt, now))
            .metadata(metadata)
            .keywords(u.keywords() != null ? u.keywords() : like == null ? null : like.keywords())
            .tags(u.tags() != null ? u.tags() : like == null ? null : like.tags())
            .context(u.context() != null ? u.context() : like == null ? "" : like.context())
            .links(like == null ? List.of() : List.of(Link.related(like.id())))
            .sources(merge(u.sources(), requestSources))
            .build();
    m = core.decay.promoteIfDue(m, now).toBuilder().version(1).build();
    batch.add(m, u.reason(), "pipeline");
    addsApplied++;
    notes.add("update of memory " + target + " added as memory " + id + ": " + why);
  }

  /** Marks an episode as summarised, so that no later consolidation hands it over again. */
  void markConsolidated(MemoryId id) {
    Optional<Memory> episode = current(id);
    if (episode.isEmpty() || episode.get().status() != Status.ACTIVE) {
      return;
    }
    Map<String, Object> metadata = new LinkedHashMap<>(episode.get().metadata());
    metadata.put(MemoryStore.CONSOLIDATED_AT, now.toEpochMilli());
    try {
      record(
          EventType.UPDATE,
          episode.get(),
          episode.get().toBuilder().metadata(metadata),
          "consolidated");
    } catch (IllegalArgumentException e) {
      notes.add("episode " + id + " could not be marked consolidated: " + e.getMessage());
    }
  }

  /** Gives a stored draft its links, once every draft of the plan has its id. */
  private void linkDraft(MemoryDraft d, MemoryId id) {
    List<Link> links = new ArrayList<>();
    for (Link l : d.links()) {
      Link resolved = new Link(resolve(l.target()), l.relation());
      if (resolved.target().equals(id) || links.contains(resolved)) {
        continue;
      }
      if (exists(resolved.target())) {
        links.add(resolved);
      } else {
        notes.add("dropped a link to unknown memory " + l.target());
      }
    }
    if (!links.isEmpty()) {
      Memory m = batch.touched.get(id);
      record(EventType.LINK, m, m.toBuilder().links(links), "");
      for (Link l : links) {
        if (l.relation().equals(Link.DERIVED_FROM)) {
          batch.derivedFrom(id, l.target());
        }
      }
    }
  }

  private boolean exists(MemoryId id) {
    return batch.added.contains(id) || current(id).isPresent();
  }

  /** The memory as this plan has left it so far, if it is in the owner's scope and not deleted. */
  private Optional<Memory> current(MemoryId id) {
    return batch.current(id).filter(m -> m.status() != Status.DELETED);
  }

  private Memory require(MemoryId id) {
    return current(id)
        .orElseThrow(() -> new IllegalArgumentException("no memory " + id + " in " + owner));
  }

  /** Records a change to a memory and returns the changed memory. */
  private Memory record(EventType type, Memory before, Memory.Builder after, String reason) {
    return batch.record(type, before, after, reason, "pipeline");
  }

  private void applyUpdate(PlannedChange.Update u) {
    MemoryId id = resolve(u.id());
    if (u.text() != null) {
      if (u.text().isBlank()) {
        throw new IllegalArgumentException("update of " + u.id() + " has blank text");
      }
      core.checkTextSize("text", u.text());
      Optional<Memory> target = current(id);
      String why = null;
      if (target.isEmpty()) {
        why = "no memory " + id + " in " + owner;
      } else if (claimed.contains(id)) {
        why = "this plan already changes or invalidates it";
      } else if (target.get().status() != Status.ACTIVE) {
        why = "it is " + target.get().status().name().toLowerCase(Locale.ROOT);
      }
      if (why != null) {
        addInstead(u, id, why);
        return;
      }
      claimed.add(id);
    }
    Memory before = require(id);
    Memory.Builder b = before.toBuilder();
    if (u.text() != null) {
      b.text(u.text());
    }
    if (u.keywords() != null) {
      b.keywords(u.keywords());
    }
    if (u.tags() != null) {
      b.tags(u.tags());
    }
    if (u.context() != null) {
      b.context(u.context());
    }
    if (u.importance() != null) {
      b.importance(u.importance());
    }
    if (!u.metadata().isEmpty()) {
      Map<String, Object> meta = new LinkedHashMap<>(before.metadata());
      meta.putAll(u.metadata());
      b.metadata(meta);
    }
    b.sources(merge(before.sources(), merge(u.sources(), requestSources)));
    Memory updated = record(EventType.UPDATE, before, b, u.reason());
    if (u.importance() != null) {
      promoteIfDue(updated);
    }
    if (u.text() != null && !u.text().equals(before.text())) {
      batch.superseded(batch.touched.get(id), id);
    }
  }

  /** Applies the promotion rule to a memory this plan changed, as at add time. */
  private void promoteIfDue(Memory m) {
    Memory promoted = core.decay.promoteIfDue(m, now);
    if (promoted == m) {
      return;
    }
    if (batch.added.contains(m.id())) {
      record(EventType.ADD, m, promoted.toBuilder().version(1), "");
    } else {
      batch.put(promoted);
      batch.events.add(
          StoreCore.event(
              EventType.PROMOTE, m, promoted, core.promotionReason(promoted), "system", now));
    }
  }

  /**
   * Source ids of both lists, each once, in order; at most what a memory can carry (the first ones
   * are kept: they name where it came from).
   */
  private static List<String> merge(List<String> first, List<String> more) {
    if (more.isEmpty()) {
      return first;
    }
    List<String> out = new ArrayList<>(first);
    for (String s : more) {
      if (out.size() >= Memory.MAX_LIST_SIZE) {
        break;
      }
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  private void applyInvalidate(PlannedChange.Invalidate change) {
    MemoryId id = resolve(change.id());
    MemoryId successor = change.supersededBy() == null ? null : resolve(change.supersededBy());
    Memory before = require(id);
    if (before.status() == Status.INVALIDATED) {
      notes.add("memory " + id + " was already invalidated");
      return;
    }
    if (id.equals(successor)) {
      throw new IllegalArgumentException("memory " + id + " cannot supersede itself");
    }
    Instant validTo = observedAt.isBefore(before.validFrom()) ? before.validFrom() : observedAt;
    Memory after =
        record(
            EventType.INVALIDATE,
            before,
            before.toBuilder().status(Status.INVALIDATED).validTo(validTo),
            change.reason());
    if (successor != null) {
      if (exists(successor)) {
        applyLink(successor, new Link(id, Link.SUPERSEDES), change.reason());
      } else {
        notes.add("memory " + id + " invalidated; its successor " + successor + " is unknown");
      }
    }
    batch.superseded(after, successor != null && exists(successor) ? successor : null);
  }

  private void applyLink(MemoryId from, Link link, String reason) {
    if (from.equals(link.target())) {
      throw new IllegalArgumentException("memory " + from + " cannot link to itself");
    }
    Memory source = require(from);
    if (!exists(link.target())) {
      throw new IllegalArgumentException("no memory " + link.target() + " in " + owner);
    }
    if (source.links().contains(link)) {
      return;
    }
    List<Link> links = new ArrayList<>(source.links());
    links.add(link);
    record(EventType.LINK, source, source.toBuilder().links(links), reason);
    if (link.relation().equals(Link.DERIVED_FROM)) {
      batch.derivedFrom(from, link.target());
    }
  }
}
