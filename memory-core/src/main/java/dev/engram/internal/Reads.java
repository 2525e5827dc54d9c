package dev.engram.internal;

import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.StoreStats;
import dev.engram.backend.ListQuery;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.recall.Admission;
import dev.engram.recall.Recall;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's reads: search (ranked by {@link Recall}, its recalls recorded for reinforcement),
 * get, list, history and stats. Every memory is shown as it reads now ({@link StoreCore#present})
 * and checked against the caller's scope again, whatever the backend returned.
 */
final class Reads {
  private static final Logger LOG = LoggerFactory.getLogger(Reads.class);

  private final StoreCore core;
  private final Recall recall;
  private final Admission admission;

  /** Fields a recall changes: a filter on them sees recalls only once they are written. */
  private static final Set<String> RECALL_FIELDS =
      Set.of("accessCount", "strength", "lastAccessedAt", "tier", "status", "updatedAt");

  private final Maintenance maintenance;

  Reads(StoreCore core, Recall recall, Maintenance maintenance) {
    this.core = core;
    this.recall = recall;
    this.admission = new Admission(core.decay);
    this.maintenance = maintenance;
  }

  /**
   * Writes the owner's buffered recalls first when a filter tests what they change, so that every
   * read answers as if each recall had been written at once.
   */
  private void settleRecallsFor(Scope scope, Filter filter) {
    if (core.recalls.size() > 0 && Admission.references(filter, RECALL_FIELDS)) {
      maintenance.flushRecalls(scope);
    }
  }

  List<SearchHit> search(SearchRequest request) {
    Objects.requireNonNull(request, "request must not be null");
    core.checkOpen();
    settleRecallsFor(request.scope(), request.filter());
    Instant now = core.clock.instant();
    Recall.Result result = recall.search(request, now, m -> core.present(m, now));
    if (!result.recalled().isEmpty()) {
      core.recalls.record(result.recalled(), now);
      maintenance.recallsRecorded();
    }
    return result.hits();
  }

  Optional<Memory> get(Scope scope, MemoryId id) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(id, "id must not be null");
    core.checkOpen();
    return core.loadInScope(scope, id, core.clock.instant());
  }

  Page<Memory> list(Scope scope, Filter filter, PageRequest page) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(filter, "filter must not be null");
    Objects.requireNonNull(page, "page must not be null");
    core.checkOpen();
    settleRecallsFor(scope, filter);
    Instant now = core.clock.instant();
    Filter pushed = admission.pushDown(filter, now);
    boolean testHere = pushed != filter;
    Filter backendFilter =
        pushed == Filter.all() ? Filter.of(scope) : Filter.and(Filter.of(scope), pushed);
    Instant afterAt = null;
    MemoryId afterId = null;
    if (page.cursor() != null) {
      Cursors.MemoryPosition p = Cursors.memory(page.cursor());
      afterAt = p.createdAt();
      afterId = p.id();
    }
    List<Memory> items = new ArrayList<>(page.limit());
    boolean more = false;
    // One more than the page holds tells whether another page follows. A filter tested here again
    // (on read-time decayed values) may reject rows, so then fetch in larger steps.
    int fetch = testHere ? Math.max(page.limit() + 1, StoreCore.SCAN_PAGE) : page.limit() + 1;
    while (!more) {
      List<Memory> batch =
          core.backend.list(new ListQuery(backendFilter, afterAt, afterId, fetch, false));
      for (Memory m : batch) {
        afterAt = m.createdAt();
        afterId = m.id();
        if (!scope.contains(m.scope())) {
          LOG.error("backend listed memory {} outside {}; dropped", m.id(), scope);
          continue;
        }
        Memory e = core.present(m, now);
        if (!testHere || filter.test(e)) {
          if (items.size() == page.limit()) {
            more = true;
            break;
          }
          items.add(e);
        }
      }
      if (batch.size() < fetch) {
        break;
      }
    }
    Memory last = items.isEmpty() ? null : items.get(items.size() - 1);
    String next = more ? Cursors.memory(last.createdAt(), last.id()) : null;
    return new Page<>(items, next);
  }

  /** The most recently stored active memories of a scope, newest first (for pipelines). */
  List<Memory> recent(Scope scope, int limit) {
    if (limit < 1) {
      return List.of();
    }
    Instant now = core.clock.instant();
    Filter f = Filter.and(Filter.of(scope), Filter.eq("status", Status.ACTIVE));
    List<Memory> out = new ArrayList<>();
    for (Memory m :
        core.backend.list(
            new ListQuery(f, null, null, Math.min(limit, StoreCore.SCAN_PAGE), true))) {
      Memory e = core.present(m, now);
      if (e.status() == Status.ACTIVE && scope.contains(e.scope())) {
        out.add(e);
      }
    }
    return out;
  }

  List<HistoryEvent> history(Scope scope, MemoryId id) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(id, "id must not be null");
    core.checkOpen();
    maintenance.flushRecalls(scope);
    // Every event is checked, not only the first: a backend holding events of another scope under
    // this id must not hand them over.
    List<HistoryEvent> events = new ArrayList<>();
    for (HistoryEvent e : core.backend.history(id)) {
      if (scope.contains(e.scope())) {
        events.add(e);
      }
    }
    return List.copyOf(events);
  }

  Page<HistoryEvent> history(Scope scope, PageRequest page) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(page, "page must not be null");
    core.checkOpen();
    maintenance.flushRecalls(scope);
    long after = page.cursor() == null ? 0 : Cursors.history(page.cursor());
    List<HistoryEvent> events = core.backend.history(scope, after, page.limit() + 1);
    List<HistoryEvent> items = new ArrayList<>(Math.min(events.size(), page.limit()));
    for (HistoryEvent e : events) {
      if (!scope.contains(e.scope())) {
        LOG.error("backend returned event of {} outside {}; dropped", e.memoryId(), scope);
        continue;
      }
      items.add(e);
    }
    boolean more = items.size() > page.limit();
    if (more) {
      items = items.subList(0, page.limit());
    }
    return new Page<>(items, more ? Cursors.history(items.get(items.size() - 1).sequence()) : null);
  }

  /**
   * Counts as reads show them: stored counts, corrected for the memories decay has changed.
   *
   * @param scope the scope counted, or {@code null} for the whole store
   */
  StoreStats stats(Scope scope) {
    core.checkOpen();
    maintenance.flushRecalls(scope);
    Filter base = scope == null ? Filter.all() : Filter.of(scope);
    Instant now = core.clock.instant();
    Map<Status, Long> byStatus = new EnumMap<>(Status.class);
    long total = 0;
    for (Status s : Status.values()) {
      long n = core.backend.count(Filter.and(base, Filter.eq("status", s)));
      byStatus.put(s, n);
      total += n;
    }
    Map<Tier, Long> byTier = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      byTier.put(
          t,
          core.backend.count(
              Filter.and(base, Filter.eq("status", Status.ACTIVE), Filter.eq("tier", t))));
    }
    for (Memory m : core.scan(Filter.and(base, admission.mayDecay(now)))) {
      Memory e = core.present(m, now);
      if (e.status() == m.status() && e.tier() == m.tier()) {
        continue;
      }
      byStatus.merge(m.status(), -1L, Long::sum);
      byStatus.merge(e.status(), 1L, Long::sum);
      if (m.status() == Status.ACTIVE) {
        byTier.merge(m.tier(), -1L, Long::sum);
      }
      if (e.status() == Status.ACTIVE) {
        byTier.merge(e.tier(), 1L, Long::sum);
      }
    }
    return new StoreStats(total, byTier, byStatus);
  }
}
