package dev.engram.internal;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MemoryStore;
import dev.engram.PipelineOutcome;
import dev.engram.decay.RankingWeights;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.pipeline.PipelineContext;
import dev.engram.pipeline.PipelineException;
import dev.engram.pipeline.PipelineInput;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PipelineUsage;
import dev.engram.recall.Admission;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the store does through its pipeline: adds that infer, session consolidation, and the
 * read-only context a running pipeline sees. A pipeline runs with its owner's pipeline lock held,
 * so two runs for one owner never interleave; its plan is checked and applied atomically, and when
 * the pipeline fails or plans nothing usable the messages are stored verbatim instead.
 */
final class Pipelines {
  private static final Logger LOG = LoggerFactory.getLogger(Pipelines.class);

  /** Episodes a consolidation has yet to summarise. */
  private static final Filter UNCONSOLIDATED =
      Filter.and(
          Filter.in("tier", List.of(Tier.WORKING, Tier.SHORT_TERM)),
          Filter.eq("status", Status.ACTIVE),
          Filter.not(Filter.exists("metadata." + MemoryStore.CONSOLIDATED_AT)));

  private final StoreCore core;
  private final Writes writes;
  private final Reads reads;
  private final MemoryPipeline pipeline;
  private final Duration consolidationIdle;
  private final Locks pipelineLocks = new Locks(256);

  Pipelines(
      StoreCore core,
      Writes writes,
      Reads reads,
      MemoryPipeline pipeline,
      Duration consolidationIdle) {
    this.core = core;
    this.writes = writes;
    this.reads = reads;
    this.pipeline = pipeline;
    this.consolidationIdle = consolidationIdle;
  }

  boolean hasPipeline() {
    return pipeline != null;
  }

  // ------------------------------------------------------------------ adds

  /** Runs the pipeline on the request's messages and applies its plan. */
  AddResult add(AddRequest request) {
    ReentrantLock serial = pipelineLocks.forKey(Scopes.ownerKey(request.scope()));
    serial.lock();
    // Other processes must not plan for this owner meanwhile: two runs seeing the same memories
    // would both add a fact said once.
    StoreCore.OwnerHold lease = null;
    try {
      lease = core.lease(request.scope());
      Instant now = core.clock.instant();
      List<Message> messages = resolveMessages(request, now, true);
      PipelineInput input =
          new PipelineInput(request.scope(), messages, request.metadata(), request.sources(), now);
      PipelinePlan plan;
      long started = System.nanoTime();
      try {
        plan = pipeline.plan(input, new Context(request.scope()));
        Objects.requireNonNull(plan, "the pipeline returned no plan");
      } catch (RuntimeException e) {
        String detail = describe(e);
        LOG.warn(
            "pipeline failed for {}; storing the {} raw message(s) instead: {}{}",
            request.scope(),
            messages.size(),
            detail,
            causeOf(e));
        LOG.debug("pipeline failure for {}", request.scope(), e);
        PipelineUsage spent =
            e instanceof PipelineException pe
                ? pe.usage()
                : new PipelineUsage(0, 0, 0, Duration.ofNanos(System.nanoTime() - started));
        return writes.addVerbatim(
            request,
            messages,
            new PipelineOutcome(PipelineOutcome.Status.FELL_BACK, detail, spent, List.of()));
      }
      String overLimits = core.planOverLimits(plan, request.metadata());
      if (overLimits != null) {
        LOG.warn("{} for {}; storing the raw messages instead", overLimits, request.scope());
        return writes.addVerbatim(
            request,
            messages,
            new PipelineOutcome(
                PipelineOutcome.Status.FELL_BACK, overLimits, plan.usage(), List.of(overLimits)));
      }
      return applyPlan(request.scope(), plan, latestObservedAt(messages, now), request, messages);
    } finally {
      if (lease != null) {
        lease.close();
      }
      serial.unlock();
    }
  }

  /**
   * The request's messages, each with its observed-at time filled in and, for a pipeline, an id: a
   * message without one gets a generated id, so that every memory derived from it (the episode, the
   * facts) names the same source.
   */
  static List<Message> resolveMessages(AddRequest request, Instant now, boolean withIds) {
    Instant base = request.observedAt() != null ? request.observedAt() : now;
    List<Message> out = new ArrayList<>(request.messages().size());
    for (Message m : request.messages()) {
      Message resolved = m.observedAt() == null ? m.withObservedAt(base) : m;
      if (withIds && resolved.id() == null) {
        resolved = resolved.withId("msg-" + UUID.randomUUID());
      }
      out.add(resolved);
    }
    return out;
  }

  private static Instant latestObservedAt(List<Message> messages, Instant fallback) {
    Instant latest = null;
    for (Message m : messages) {
      if (latest == null || m.observedAt().isAfter(latest)) {
        latest = m.observedAt();
      }
    }
    return latest == null ? fallback : latest;
  }

  /** The root cause's message, for a log line (the stack goes to debug). */
  private static String causeOf(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e
        ? ""
        : " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }

  private static String describe(RuntimeException e) {
    String m = e.getMessage();
    if (e instanceof PipelineException && m != null) {
      return m;
    }
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /**
   * Applies a plan atomically, marking the episodes a consolidation summarised in the same batch;
   * if it adds nothing although it meant to, stores the request's messages verbatim instead.
   *
   * @param request the add the plan is for, or {@code null} for a consolidation
   * @param messages the request's messages as the pipeline saw them
   */
  private AddResult applyPlan(
      Scope scope,
      PipelinePlan plan,
      Instant observedAt,
      AddRequest request,
      List<Message> messages,
      List<MemoryId> consolidated) {
    StoreCore.OwnerHold hold = core.hold(scope);
    try {
      PlanApplier applier =
          new PlanApplier(
              core,
              scope,
              core.clock.instant(),
              observedAt,
              request == null ? Map.of() : request.metadata(),
              request == null ? List.of() : request.sources());
      applier.apply(plan.changes());
      consolidated.forEach(applier::markConsolidated);
      PendingBatch batch = applier.batch;
      if (scope.sessionId() != null) {
        writes.boundWorkingMemory(batch, scope);
      }
      if (applier.addsRequested > 0 && applier.addsApplied == 0 && request != null) {
        String detail =
            "the pipeline's plan had no usable memory: " + String.join("; ", applier.notes);
        LOG.warn("{} for {}; storing the raw messages instead", detail, scope);
        return writes.addVerbatim(
            request,
            messages,
            new PipelineOutcome(
                PipelineOutcome.Status.FELL_BACK, detail, plan.usage(), applier.notes));
      }
      List<String> notes = new ArrayList<>(plan.notes());
      notes.addAll(applier.notes);
      List<HistoryEvent> stored =
          batch.events.isEmpty() ? List.of() : core.backend.apply(batch.toWriteBatch(List.of()));
      return new AddResult(
          stored, new PipelineOutcome(PipelineOutcome.Status.APPLIED, "", plan.usage(), notes));
    } finally {
      hold.close();
    }
  }

  private AddResult applyPlan(
      Scope scope,
      PipelinePlan plan,
      Instant observedAt,
      AddRequest request,
      List<Message> messages) {
    return applyPlan(scope, plan, observedAt, request, messages, List.of());
  }

  // ------------------------------------------------------------------ consolidation

  AddResult consolidate(Scope session) {
    Objects.requireNonNull(session, "scope must not be null");
    core.checkOpen();
    if (session.sessionId() == null) {
      throw new IllegalArgumentException(
          "consolidate needs scope.sessionId: it summarises one session");
    }
    if (pipeline == null) {
      return new AddResult(List.of(), PipelineOutcome.NOT_RUN);
    }
    ReentrantLock serial = pipelineLocks.forKey(Scopes.ownerKey(session));
    serial.lock();
    StoreCore.OwnerHold lease = null;
    try {
      lease = core.lease(session);
      Instant now = core.clock.instant();
      List<Memory> all = new ArrayList<>();
      for (Memory m : core.scan(Filter.and(Filter.of(session), UNCONSOLIDATED))) {
        Memory e = core.present(m, now);
        if (e.status() == Status.ACTIVE) {
          all.add(e);
        }
      }
      if (all.isEmpty()) {
        return new AddResult(List.of(), PipelineOutcome.NOT_RUN);
      }
      List<HistoryEvent> events = new ArrayList<>();
      List<String> notes = new ArrayList<>();
      PipelineUsage usage = PipelineUsage.NONE;
      int done = 0;
      for (List<Memory> chunk : chunks(all)) {
        PipelinePlan plan;
        long started = System.nanoTime();
        try {
          plan =
              Objects.requireNonNull(
                  pipeline.consolidate(session, chunk, new Context(session)),
                  "the pipeline returned no plan");
        } catch (RuntimeException e) {
          // Consolidation only adds; the episodes not consolidated stay as they are (and are
          // handed over again next time), so nothing is lost.
          LOG.warn("consolidation failed for {}: {}{}", session, describe(e), causeOf(e));
          LOG.debug("consolidation failure for {}", session, e);
          usage =
              usage.plus(
                  e instanceof PipelineException pe
                      ? pe.usage()
                      : new PipelineUsage(0, 0, 0, Duration.ofNanos(System.nanoTime() - started)));
          notes.add((all.size() - done) + " of " + all.size() + " episodes left unconsolidated");
          return new AddResult(
              events,
              new PipelineOutcome(PipelineOutcome.Status.FELL_BACK, describe(e), usage, notes));
        }
        usage = usage.plus(plan.usage());
        AddResult applied =
            applyPlan(session, plan, now, null, null, chunk.stream().map(Memory::id).toList());
        events.addAll(applied.events());
        notes.addAll(applied.pipeline().notes());
        done += chunk.size();
      }
      return new AddResult(
          events, new PipelineOutcome(PipelineOutcome.Status.APPLIED, "", usage, notes));
    } finally {
      if (lease != null) {
        lease.close();
      }
      serial.unlock();
    }
  }

  /**
   * Episodes in the pieces one pipeline call gets: at most {@link
   * MemoryStore#CONSOLIDATION_BATCH_EPISODES} episodes and {@link
   * MemoryStore#CONSOLIDATION_BATCH_CHARS} characters of text (but at least one episode).
   */
  private static List<List<Memory>> chunks(List<Memory> episodes) {
    List<List<Memory>> out = new ArrayList<>();
    List<Memory> chunk = new ArrayList<>();
    long chars = 0;
    for (Memory m : episodes) {
      if (!chunk.isEmpty()
          && (chunk.size() == MemoryStore.CONSOLIDATION_BATCH_EPISODES
              || chars + m.text().length() > MemoryStore.CONSOLIDATION_BATCH_CHARS)) {
        out.add(chunk);
        chunk = new ArrayList<>();
        chars = 0;
      }
      chunk.add(m);
      chars += m.text().length();
    }
    out.add(chunk);
    return out;
  }

  /**
   * Consolidates every session whose newest unconsolidated episode is at least the configured idle
   * time old by the store's clock; what the background schedule runs.
   *
   * @return how many sessions were consolidated
   */
  int consolidateIdleSessions() {
    core.checkOpen();
    if (pipeline == null || consolidationIdle == null) {
      return 0;
    }
    Instant idleSince = Admission.before(core.clock.instant(), consolidationIdle);
    Map<Scope, Instant> newest = new LinkedHashMap<>();
    for (Memory m : core.scan(Filter.and(Filter.exists("sessionId"), UNCONSOLIDATED))) {
      newest.merge(m.scope(), m.createdAt(), (a, b) -> a.isAfter(b) ? a : b);
    }
    int consolidated = 0;
    for (Map.Entry<Scope, Instant> e : newest.entrySet()) {
      if (core.isClosed()) {
        break;
      }
      if (!e.getValue().isAfter(idleSince)) {
        consolidate(e.getKey());
        consolidated++;
      }
    }
    return consolidated;
  }

  /** How often to look for idle sessions: a quarter of the idle time, 1 second to 15 minutes. */
  static Duration consolidationCheckPeriod(Duration idle) {
    Duration quarter = idle.dividedBy(4);
    if (quarter.compareTo(Duration.ofSeconds(1)) < 0) {
      return Duration.ofSeconds(1);
    }
    return quarter.compareTo(Duration.ofMinutes(15)) > 0 ? Duration.ofMinutes(15) : quarter;
  }

  /** Read-only access for pipelines, confined to one scope. */
  private final class Context implements PipelineContext {
    private final Scope scope;

    Context(Scope scope) {
      this.scope = scope;
    }

    @Override
    public List<Memory> recent(int limit) {
      return reads.recent(scope, limit);
    }

    @Override
    public List<SearchHit> similar(String text, int limit, Filter filter) {
      if (text == null || text.isBlank() || limit < 1) {
        return List.of();
      }
      String query =
          text.length() > SearchRequest.MAX_QUERY_LENGTH
              ? text.substring(0, SearchRequest.MAX_QUERY_LENGTH)
              : text;
      return reads.search(
          SearchRequest.builder(StoreCore.ownerOf(scope), query)
              .limit(Math.min(limit, SearchRequest.MAX_LIMIT))
              .reinforce(false)
              .weights(RankingWeights.RELEVANCE_ONLY)
              .filter(filter)
              .build());
    }

    @Override
    public Optional<Memory> get(MemoryId id) {
      return reads.get(StoreCore.ownerOf(scope), id);
    }
  }
}
