package dev.engram.internal;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MaintenanceReport;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.PipelineOutcome;
import dev.engram.StoreStats;
import dev.engram.backend.BackendCapability;
import dev.engram.backend.MemoryBackend;
import dev.engram.decay.DecayPolicy;
import dev.engram.decay.RankingWeights;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.observe.AddSummary;
import dev.engram.observe.StoreObserver;
import dev.engram.observe.StoreProbe;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.recall.Recall;
import dev.engram.recall.RecallSettings;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The store: every rule (validation, scopes, decay, tiers, history, pipeline handling, concurrency)
 * written once over a {@link MemoryBackend}, and the ranking over every backend ({@link Recall}).
 * This class checks arguments and hands each call to the part that owns it: {@link Writes}, {@link
 * Pipelines}, {@link Reads}, {@link Purges} and {@link Maintenance}.
 */
public final class DefaultMemoryStore implements MemoryStore {
  private final StoreCore core;
  private final Writes writes;
  private final Reads reads;
  private final Pipelines pipelines;
  private final Purges purges;
  private final Maintenance maintenance;
  private final boolean inferByDefault;
  private final StoreObserver observer;

  /**
   * What one write may store (see {@code Engram.Builder}).
   *
   * @param maxTextBytes the longest text of a memory, in UTF-8 bytes
   * @param maxAddBytes the most one add or update may store, in UTF-8 bytes
   * @param maxFactsPerAdd the most memories a pipeline may plan for one add
   */
  public record Limits(int maxTextBytes, int maxAddBytes, int maxFactsPerAdd) {}

  /** Settings gathered by {@code Engram.Builder}. */
  public record Settings(
      MemoryBackend backend,
      InstantSource clock,
      DecayPolicy decay,
      RankingWeights weights,
      RecallSettings recall,
      Limits limits,
      MemoryPipeline pipeline,
      boolean inferByDefault,
      Duration maintenanceInterval,
      Duration consolidationIdle,
      Duration recallFlushInterval,
      StoreObserver observer) {}

  /** Opens a store over the settings' backend. */
  public DefaultMemoryStore(Settings s) {
    MemoryBackend backend = Objects.requireNonNull(s.backend(), "backend");
    this.core =
        new StoreCore(
            backend,
            Objects.requireNonNull(s.clock(), "clock"),
            Objects.requireNonNull(s.decay(), "decay"),
            Objects.requireNonNull(s.limits(), "limits"));
    this.inferByDefault = s.inferByDefault();
    this.observer = s.observer() == null ? StoreObserver.NONE : s.observer();
    Recall recall =
        new Recall(
            backend,
            s.decay(),
            Objects.requireNonNull(s.weights(), "weights"),
            Objects.requireNonNull(s.recall(), "recall"),
            backend.capabilities().contains(BackendCapability.VECTOR_SEARCH));
    this.writes = new Writes(core);
    this.purges = new Purges(core);
    this.maintenance = new Maintenance(core);
    this.reads = new Reads(core, recall, maintenance);
    this.pipelines = new Pipelines(core, writes, reads, s.pipeline(), s.consolidationIdle());
    maintenance.start(
        s.recallFlushInterval(),
        s.maintenanceInterval(),
        s.consolidationIdle() == null ? null : pipelines::consolidateIdleSessions,
        s.consolidationIdle() == null
            ? null
            : Pipelines.consolidationCheckPeriod(s.consolidationIdle()));
    tell(() -> observer.attached(new Probe()));
  }

  /** The size an observer's gauges read: counts from the backend, -1 once closed. */
  private final class Probe implements StoreProbe {
    @Override
    public long memories() {
      return core.isClosed() ? -1 : core.backend.count(Filter.all());
    }

    @Override
    public int pendingReinforcements() {
      return core.isClosed() ? -1 : core.recalls.size();
    }
  }

  /** Runs an observer callback; what it throws is dropped (the call it reports has succeeded). */
  private static void tell(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      // A broken observer must not fail a write that is already durable, nor hide a read's result.
    }
  }

  /** An add's result without its scope or text, as an observer is told it. */
  private static AddSummary summary(AddResult result) {
    PipelineOutcome p = result.pipeline();
    AddSummary.Pipeline pipeline =
        switch (p.status()) {
          case NOT_RUN -> AddSummary.Pipeline.NOT_RUN;
          case APPLIED -> AddSummary.Pipeline.APPLIED;
          case FELL_BACK -> AddSummary.Pipeline.FELL_BACK;
        };
    return new AddSummary(pipeline, p.usage(), result.events().size());
  }

  private AddResult observedAdd(java.util.function.Supplier<AddResult> add) {
    long start = System.nanoTime();
    AddResult result;
    try {
      result = add.get();
    } catch (RuntimeException e) {
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      tell(() -> observer.addFailed(e, elapsed));
      throw e;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    tell(() -> observer.added(summary(result), elapsed));
    return result;
  }

  @Override
  public AddResult add(AddRequest request) {
    Objects.requireNonNull(request, "request must not be null");
    return observedAdd(() -> doAdd(request));
  }

  private AddResult doAdd(AddRequest request) {
    core.checkOpen();
    Instant latestAllowed = core.clock.instant().plus(AddRequest.OBSERVED_AT_TOLERANCE);
    checkObservedAt("observedAt", request.observedAt(), latestAllowed);
    for (int i = 0; i < request.messages().size(); i++) {
      Message m = request.messages().get(i);
      core.checkTextSize("messages[" + i + "].text", m.text());
      checkObservedAt("messages[" + i + "].observedAt", m.observedAt(), latestAllowed);
    }
    core.checkAddSize(request);
    boolean infer = request.infer() != null ? request.infer() : inferByDefault;
    if (infer && !pipelines.hasPipeline()) {
      throw new IllegalArgumentException(
          "infer(true) needs a pipeline: configure one on the store, or add with infer(false)");
    }
    if (infer) {
      return pipelines.add(request);
    }
    return writes.addVerbatim(
        request,
        Pipelines.resolveMessages(request, core.clock.instant(), false),
        PipelineOutcome.NOT_RUN);
  }

  private static void checkObservedAt(String field, Instant observedAt, Instant latestAllowed) {
    if (observedAt != null && observedAt.isAfter(latestAllowed)) {
      throw new IllegalArgumentException(
          field
              + " ("
              + observedAt
              + ") is in the future: at most "
              + AddRequest.OBSERVED_AT_TOLERANCE
              + " after the store's clock is allowed");
    }
  }

  @Override
  public List<SearchHit> search(SearchRequest request) {
    long start = System.nanoTime();
    List<SearchHit> hits;
    try {
      hits = reads.search(request);
    } catch (RuntimeException e) {
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      tell(() -> observer.searchFailed(e, elapsed));
      throw e;
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    tell(() -> observer.searched(hits.size(), elapsed));
    return hits;
  }

  @Override
  public Optional<Memory> get(Scope scope, MemoryId id) {
    return reads.get(scope, id);
  }

  @Override
  public Page<Memory> list(Scope scope, Filter filter, PageRequest page) {
    return reads.list(scope, filter, page);
  }

  @Override
  public List<HistoryEvent> history(Scope scope, MemoryId id) {
    return reads.history(scope, id);
  }

  @Override
  public Page<HistoryEvent> history(Scope scope, PageRequest page) {
    return reads.history(scope, page);
  }

  @Override
  public StoreStats stats(Scope scope) {
    Objects.requireNonNull(scope, "scope must not be null");
    return reads.stats(scope);
  }

  @Override
  public StoreStats stats() {
    return reads.stats(null);
  }

  @Override
  public Memory update(Scope scope, MemoryId id, MemoryUpdate update) {
    return writes.update(scope, id, update);
  }

  @Override
  public Memory invalidate(Scope scope, MemoryId id, String reason, String actor) {
    return writes.invalidate(scope, id, reason, actor);
  }

  @Override
  public Memory delete(Scope scope, MemoryId id, String reason, String actor) {
    return writes.delete(scope, id, reason, actor);
  }

  @Override
  public Memory restore(Scope scope, MemoryId id, String reason, String actor) {
    return writes.restore(scope, id, reason, actor);
  }

  @Override
  public Memory link(Scope scope, MemoryId from, MemoryId to, String relation, String actor) {
    return writes.link(scope, from, to, relation, actor);
  }

  @Override
  public boolean purge(Scope scope, MemoryId id, String actor) {
    return purges.purge(scope, id, actor);
  }

  @Override
  public long purgeScope(Scope scope) {
    return purges.purgeScope(scope);
  }

  @Override
  public long purgeUser(String userId) {
    return purges.purgeUser(userId);
  }

  @Override
  public AddResult consolidate(Scope session) {
    return observedAdd(() -> pipelines.consolidate(session));
  }

  /**
   * Consolidates every session whose newest unconsolidated episode is at least the configured idle
   * time old by the store's clock; what the background schedule runs.
   *
   * @return how many sessions were consolidated
   */
  public int consolidateIdleSessions() {
    return pipelines.consolidateIdleSessions();
  }

  @Override
  public MaintenanceReport maintain() {
    return maintenance.maintain();
  }

  /** How many memories have recalls waiting to be written (for metrics and tests). */
  public int pendingRecalls() {
    return core.recalls.size();
  }

  @Override
  public synchronized void close() {
    if (core.isClosed()) {
      return;
    }
    core.markClosed();
    try {
      // A running pass must finish before the backend closes under it; it stops at its next page.
      maintenance.close();
    } finally {
      core.backend.close();
    }
  }
}
