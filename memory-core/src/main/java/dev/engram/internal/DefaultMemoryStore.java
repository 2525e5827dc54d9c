package dev.engram.internal;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MaintenanceReport;
import dev.engram.MemoryNotFoundException;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.PipelineOutcome;
import dev.engram.SearchRequest;
import dev.engram.StoreStats;
import dev.engram.backend.BackendQuery;
import dev.engram.backend.Candidate;
import dev.engram.backend.Durability;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.WriteBatch;
import dev.engram.decay.DecayPolicy;
import dev.engram.decay.RankingWeights;
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
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.pipeline.PipelineContext;
import dev.engram.pipeline.PipelineException;
import dev.engram.pipeline.PipelineInput;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PipelineUsage;
import dev.engram.pipeline.PlannedChange;
import dev.engram.recall.ScoreBreakdown;
import dev.engram.recall.SearchHit;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store: every rule (validation, scopes, decay, tiers, history, pipeline handling, concurrency)
 * written once over a {@link MemoryBackend}.
 */
public final class DefaultMemoryStore implements MemoryStore {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultMemoryStore.class);

  /** Fields whose stored value can lag the value read-time decay presents. */
  private static final Set<String> LAZY_FIELDS = Set.of("status", "tier", "updatedAt");

  private static final int SCAN_PAGE = 500;
  private static final int MAX_CANDIDATES = 4000;
  private static final double LINK_SCORE_FACTOR = 0.5;
  private static final long CLOSE_WAIT_SECONDS = 60;

  /** Episodes a consolidation has yet to summarise. */
  private static final Filter UNCONSOLIDATED =
      Filter.and(
          Filter.in("tier", List.of(Tier.WORKING, Tier.SHORT_TERM)),
          Filter.eq("status", Status.ACTIVE),
          Filter.not(Filter.exists("metadata." + MemoryStore.CONSOLIDATED_AT)));

  private final MemoryBackend backend;
  private final InstantSource clock;
  private final DecayPolicy decay;
  private final RankingWeights weights;
  private final int maxTextBytes;
  private final MemoryPipeline pipeline;
  private final boolean inferByDefault;
  private final Duration consolidationIdle;
  private final Locks ownerLocks = new Locks(256);
  private final Locks pipelineLocks = new Locks(256);
  private final ScheduledExecutorService maintenance;
  private final AtomicReference<Instant> lastCreatedAt = new AtomicReference<>(Instant.MIN);
  private volatile boolean closed;

  /** Settings gathered by {@code Engram.Builder}. */
  public record Settings(
      MemoryBackend backend,
      InstantSource clock,
      DecayPolicy decay,
      RankingWeights weights,
      int maxTextBytes,
      MemoryPipeline pipeline,
      boolean inferByDefault,
      Duration maintenanceInterval,
      Duration consolidationIdle) {}

  /** Opens a store over the settings' backend. */
  public DefaultMemoryStore(Settings s) {
    this.backend = Objects.requireNonNull(s.backend(), "backend");
    this.clock = Objects.requireNonNull(s.clock(), "clock");
    this.decay = Objects.requireNonNull(s.decay(), "decay");
    this.weights = Objects.requireNonNull(s.weights(), "weights");
    this.maxTextBytes = s.maxTextBytes();
    this.pipeline = s.pipeline();
    this.inferByDefault = s.inferByDefault();
    this.consolidationIdle = s.consolidationIdle();
    if (s.maintenanceInterval() != null || consolidationIdle != null) {
      maintenance =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "engram-maintenance");
                t.setDaemon(true);
                return t;
              });
    } else {
      maintenance = null;
    }
    if (s.maintenanceInterval() != null) {
      long ms = s.maintenanceInterval().toMillis();
      maintenance.scheduleWithFixedDelay(this::maintainQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }
    if (consolidationIdle != null) {
      long ms = consolidationCheckPeriod(consolidationIdle).toMillis();
      maintenance.scheduleWithFixedDelay(
          this::consolidateIdleSessionsQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  // ---------------------------------------------------------------- add

  @Override
  public AddResult add(AddRequest request) {
    Objects.requireNonNull(request, "request must not be null");
    checkOpen();
    Instant latestAllowed = clock.instant().plus(AddRequest.OBSERVED_AT_TOLERANCE);
    checkObservedAt("observedAt", request.observedAt(), latestAllowed);
    for (int i = 0; i < request.messages().size(); i++) {
      Message m = request.messages().get(i);
      checkTextSize("messages[" + i + "].text", m.text());
      checkObservedAt("messages[" + i + "].observedAt", m.observedAt(), latestAllowed);
    }
    boolean infer = request.infer() != null ? request.infer() : inferByDefault;
    if (infer && pipeline == null) {
      throw new IllegalArgumentException(
          "infer(true) needs a pipeline: configure one on the store, or add with infer(false)");
    }
    if (!infer) {
      return addRaw(request, null, PipelineOutcome.NOT_RUN);
    }
    ReentrantLock serial = pipelineLocks.forKey(Scopes.ownerKey(request.scope()));
    serial.lock();
    try {
      Instant now = clock.instant();
      List<Message> messages = resolveMessages(request, now, true);
      PipelineInput input =
          new PipelineInput(request.scope(), messages, request.metadata(), request.sources(), now);
      ContextImpl context = new ContextImpl(request.scope());
      PipelinePlan plan;
      long started = System.nanoTime();
      try {
        plan = pipeline.plan(input, context);
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
        return addRaw(
            request,
            messages,
            new PipelineOutcome(PipelineOutcome.Status.FELL_BACK, detail, spent, List.of()));
      }
      return applyPlan(request.scope(), plan, latestObservedAt(messages, now), request, messages);
    } finally {
      serial.unlock();
    }
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

  /** When a memory observed at {@code observedAt} starts being valid: never after it is stored. */
  private static Instant validFrom(Instant observedAt, Instant now) {
    return observedAt.isAfter(now) ? now : observedAt;
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
   * The request's messages, each with its observed-at time filled in and, for a pipeline, an id: a
   * message without one gets a generated id, so that every memory derived from it (the episode, the
   * facts) names the same source.
   */
  private List<Message> resolveMessages(AddRequest request, Instant now, boolean withIds) {
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

  /**
   * Stores each message verbatim.
   *
   * @param resolved the messages as the pipeline saw them, or {@code null} to resolve them here
   */
  private AddResult addRaw(AddRequest request, List<Message> resolved, PipelineOutcome outcome) {
    Scope scope = request.scope();
    ReentrantLock lock = ownerLocks.forKey(Scopes.ownerKey(scope));
    lock.lock();
    try {
      Instant now = clock.instant();
      Map<MemoryId, Memory> upserts = new LinkedHashMap<>();
      List<HistoryEvent> events = new ArrayList<>();
      boolean fellBack = outcome.status() == PipelineOutcome.Status.FELL_BACK;
      for (Message message : resolved != null ? resolved : resolveMessages(request, now, false)) {
        Map<String, Object> metadata = new LinkedHashMap<>(request.metadata());
        metadata.putIfAbsent("role", message.role().name().toLowerCase(Locale.ROOT));
        if (message.name() != null) {
          metadata.putIfAbsent("speaker", message.name());
        }
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
                .id(freshId(upserts.keySet()))
                .text(message.text())
                .scope(scope)
                .tier(fellBack ? Tier.SHORT_TERM : request.tier())
                .kind(fellBack ? Kind.EPISODIC : request.kind())
                .importance(request.importance())
                .createdAt(nextCreatedAt(now), message.observedAt())
                .validFrom(validFrom(message.observedAt(), now))
                .metadata(metadata)
                .tags(request.tags())
                .sources(sources)
                .build();
        m = decay.promoteIfDue(m, now).toBuilder().version(1).build();
        upserts.put(m.id(), m);
        events.add(
            event(
                EventType.ADD,
                null,
                m,
                fellBack ? "pipeline failed; stored verbatim" : "",
                request.actor(),
                now));
      }
      if (scope.sessionId() != null) {
        boundWorkingMemory(scope, upserts, Set.copyOf(upserts.keySet()), events, now);
      }
      List<HistoryEvent> stored =
          backend.apply(
              new WriteBatch(List.of(), List.copyOf(upserts.values()), events, Durability.SYNC));
      return new AddResult(stored, outcome);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Keeps a session's working memory within {@link DecayPolicy#workingCapacity()} once a batch is
   * applied. Working memories of the session that are idle past the timeout move first, with the
   * events maintenance would write; then the least recently used beyond capacity move to
   * short-term.
   *
   * @param session the scope of one session, as stored on its memories
   * @param batch the batch's memories by id, changed in place
   * @param addedIds the memories the batch adds: their ADD event is rewritten instead
   */
  private void boundWorkingMemory(
      Scope session,
      Map<MemoryId, Memory> batch,
      Set<MemoryId> addedIds,
      List<HistoryEvent> events,
      Instant now) {
    List<Memory> working = new ArrayList<>();
    for (Memory m : batch.values()) {
      if (m.status() == Status.ACTIVE && m.tier() == Tier.WORKING && session.contains(m.scope())) {
        working.add(m);
      }
    }
    if (working.isEmpty()) {
      return;
    }
    Filter stored =
        Filter.and(
            Scopes.filter(session),
            Filter.eq("tier", Tier.WORKING),
            Filter.eq("status", Status.ACTIVE));
    for (Memory m : scan(stored)) {
      if (batch.containsKey(m.id())) {
        continue;
      }
      Memory current = materialize(m, now, events);
      if (current != m) {
        batch.put(current.id(), current);
      } else {
        working.add(current);
      }
    }
    int excess = working.size() - decay.workingCapacity();
    if (excess <= 0) {
      return;
    }
    working.sort(
        Comparator.comparing(Memory::lastAccessedAt)
            .thenComparing(Memory::createdAt)
            .thenComparing(Memory::id));
    for (Memory m : working.subList(0, excess)) {
      if (addedIds.contains(m.id())) {
        Memory moved = m.toBuilder().tier(Tier.SHORT_TERM).build();
        batch.put(moved.id(), moved);
        replaceAddEvent(events, moved);
      } else {
        Memory moved =
            m.toBuilder().tier(Tier.SHORT_TERM).updatedAt(now).version(m.version() + 1).build();
        batch.put(moved.id(), moved);
        events.add(event(EventType.PROMOTE, m, moved, "working memory full", "system", now));
      }
    }
  }

  private static void replaceAddEvent(List<HistoryEvent> events, Memory m) {
    for (int i = 0; i < events.size(); i++) {
      HistoryEvent e = events.get(i);
      if (e.memoryId().equals(m.id()) && e.type() == EventType.ADD) {
        events.set(i, event(EventType.ADD, null, m, e.reason(), e.actor(), e.at()));
      }
    }
  }

  // ---------------------------------------------------------------- pipeline plans

  /**
   * Applies a plan atomically; if it adds nothing although it meant to, stores the request's
   * messages verbatim instead.
   *
   * @param request the add the plan is for, or {@code null} for a consolidation
   * @param messages the request's messages as the pipeline saw them
   */
  private AddResult applyPlan(
      Scope scope,
      PipelinePlan plan,
      Instant observedAt,
      AddRequest request,
      List<Message> messages) {
    return applyPlan(scope, plan, observedAt, request, messages, List.of());
  }

  /**
   * {@link #applyPlan(Scope, PipelinePlan, Instant, AddRequest, List)}, marking the episodes a
   * consolidation summarised in the same batch.
   */
  private AddResult applyPlan(
      Scope scope,
      PipelinePlan plan,
      Instant observedAt,
      AddRequest request,
      List<Message> messages,
      List<MemoryId> consolidated) {
    ReentrantLock lock = ownerLocks.forKey(Scopes.ownerKey(scope));
    lock.lock();
    try {
      PlanApplier applier =
          new PlanApplier(
              scope,
              clock.instant(),
              observedAt,
              request == null ? Map.of() : request.metadata(),
              request == null ? List.of() : request.sources());
      applier.apply(plan.changes());
      consolidated.forEach(applier::markConsolidated);
      if (scope.sessionId() != null) {
        boundWorkingMemory(scope, applier.touched, applier.added, applier.events, applier.now);
      }
      if (applier.addsRequested > 0 && applier.addsApplied == 0 && request != null) {
        String detail =
            "the pipeline's plan had no usable memory: " + String.join("; ", applier.notes);
        LOG.warn("{} for {}; storing the raw messages instead", detail, scope);
        return addRaw(
            request,
            messages,
            new PipelineOutcome(
                PipelineOutcome.Status.FELL_BACK, detail, plan.usage(), applier.notes));
      }
      List<String> notes = new ArrayList<>(plan.notes());
      notes.addAll(applier.notes);
      List<HistoryEvent> stored =
          applier.events.isEmpty()
              ? List.of()
              : backend.apply(
                  new WriteBatch(
                      List.of(),
                      List.copyOf(applier.touched.values()),
                      applier.events,
                      Durability.SYNC));
      return new AddResult(
          stored, new PipelineOutcome(PipelineOutcome.Status.APPLIED, "", plan.usage(), notes));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Turns a pipeline's plan into checked changes. Every id the plan refers to must exist in the
   * owner's scope and not be deleted; a change that fails is skipped with a note, and never takes
   * an add down with it.
   *
   * <p>The store assigns the id of every memory a plan adds: a draft's id only names the draft
   * within its plan, and every reference to it (links, invalidations, updates) is mapped to the
   * assigned id. So no pipeline can choose an id that another owner, or a purged memory, has.
   *
   * <p>No fact is lost to a conflict between decisions: an update that brings new text to a memory
   * that cannot take it (gone, deleted or purged meanwhile, not in the scope, no longer active,
   * invalidated or already changed by this plan) is added as a new memory instead, linked to the
   * memory it meant to change when that one is still there.
   *
   * <p>The request's sources are recorded on every memory the plan adds or updates.
   */
  private final class PlanApplier {
    private final Scope scope;
    private final Scope owner;
    private final Instant now;
    private final Instant observedAt;
    private final Map<String, Object> requestMetadata;
    private final List<String> requestSources;
    private final Map<MemoryId, MemoryId> assigned = new HashMap<>();

    /** Memories whose text this plan changed, or which it invalidates: no second claim. */
    private final Set<MemoryId> claimed = new HashSet<>();

    private final Map<MemoryId, Memory> touched = new LinkedHashMap<>();
    private final Set<MemoryId> added = new HashSet<>();
    private final List<HistoryEvent> events = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private int addsRequested;
    private int addsApplied;

    PlanApplier(
        Scope scope,
        Instant now,
        Instant observedAt,
        Map<String, Object> requestMetadata,
        List<String> requestSources) {
      this.scope = scope;
      this.owner = scope.hasOwner() ? scope.withoutSession() : scope;
      this.now = now;
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
          MemoryId id = freshId(addIds);
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
        if (added.contains(addIds.get(i))) {
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
      checkTextSize("text", d.text());
      Map<String, Object> metadata = new LinkedHashMap<>(requestMetadata);
      metadata.putAll(d.metadata());
      Instant observed = d.observedAt() != null ? d.observedAt() : observedAt;
      Tier tier =
          d.tier() == Tier.WORKING && scope.sessionId() == null ? Tier.SHORT_TERM : d.tier();
      Memory m =
          Memory.builder()
              .id(id)
              .text(d.text())
              .scope(scope)
              .tier(tier)
              .kind(d.kind())
              .importance(d.importance())
              .strength(Math.max(1, d.strength()))
              .createdAt(nextCreatedAt(now), observed)
              .validFrom(validFrom(observed, now))
              .metadata(metadata)
              .keywords(d.keywords())
              .tags(d.tags())
              .context(d.context())
              .sources(merge(d.sources(), requestSources))
              .build();
      m = decay.promoteIfDue(m, now).toBuilder().version(1).build();
      added.add(id);
      touched.put(id, m);
      events.add(event(EventType.ADD, null, m, add.reason(), "pipeline", now));
    }

    /**
     * Adds the text an update could not bring to its target as a memory of its own, so that the
     * fact survives; it counts as an add.
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
      MemoryId id = freshId(added);
      Memory m =
          Memory.builder()
              .id(id)
              .text(u.text())
              .scope(scope)
              .tier(tier)
              .kind(like == null ? Kind.SEMANTIC : like.kind())
              .importance(
                  u.importance() != null ? u.importance() : like == null ? 0.5 : like.importance())
              .createdAt(nextCreatedAt(now), observedAt)
              .validFrom(validFrom(observedAt, now))
              .metadata(metadata)
              .keywords(u.keywords() != null ? u.keywords() : like == null ? null : like.keywords())
              .tags(u.tags() != null ? u.tags() : like == null ? null : like.tags())
              .context(u.context() != null ? u.context() : like == null ? "" : like.context())
              .links(like == null ? List.of() : List.of(Link.related(like.id())))
              .sources(merge(u.sources(), requestSources))
              .build();
      m = decay.promoteIfDue(m, now).toBuilder().version(1).build();
      added.add(id);
      touched.put(id, m);
      events.add(event(EventType.ADD, null, m, u.reason(), "pipeline", now));
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
        Memory m = touched.get(id);
        record(EventType.LINK, m, m.toBuilder().links(links), "");
      }
    }

    private boolean exists(MemoryId id) {
      return added.contains(id) || current(id).isPresent();
    }

    /**
     * The memory as this plan has left it so far, if it is in the owner's scope and not deleted.
     */
    private Optional<Memory> current(MemoryId id) {
      Memory m = touched.get(id);
      if (m == null) {
        Optional<Memory> stored = backend.get(id).filter(x -> owner.contains(x.scope()));
        if (stored.isEmpty()) {
          return Optional.empty();
        }
        m = materialize(stored.get(), now, events);
        if (m != stored.get()) {
          touched.put(id, m);
        }
      }
      return m.status() == Status.DELETED ? Optional.empty() : Optional.of(m);
    }

    private Memory require(MemoryId id) {
      return current(id)
          .orElseThrow(() -> new IllegalArgumentException("no memory " + id + " in " + owner));
    }

    /** Records a change to a memory and returns the changed memory. */
    private Memory record(EventType type, Memory before, Memory.Builder after, String reason) {
      if (added.contains(before.id())) {
        // Still being added by this plan: fold the change into the ADD itself.
        Memory m = after.build();
        touched.put(m.id(), m);
        for (int i = 0; i < events.size(); i++) {
          HistoryEvent e = events.get(i);
          if (e.memoryId().equals(m.id()) && e.type() == EventType.ADD) {
            events.set(i, event(EventType.ADD, null, m, e.reason(), e.actor(), e.at()));
          }
        }
        return m;
      }
      Memory m = after.updatedAt(now).version(before.version() + 1).build();
      touched.put(m.id(), m);
      events.add(event(type, before, m, reason, "pipeline", now));
      return m;
    }

    private void applyUpdate(PlannedChange.Update u) {
      MemoryId id = resolve(u.id());
      if (u.text() != null) {
        if (u.text().isBlank()) {
          throw new IllegalArgumentException("update of " + u.id() + " has blank text");
        }
        checkTextSize("text", u.text());
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
    }

    /** Applies the promotion rule to a memory this plan changed, as at add time. */
    private void promoteIfDue(Memory m) {
      Memory promoted = decay.promoteIfDue(m, now);
      if (promoted == m) {
        return;
      }
      if (added.contains(m.id())) {
        record(EventType.ADD, m, promoted.toBuilder().version(1), "");
      } else {
        touched.put(promoted.id(), promoted);
        events.add(event(EventType.PROMOTE, m, promoted, promotionReason(promoted), "system", now));
      }
    }

    /**
     * Source ids of both lists, each once, in order; at most what a memory can carry (the first
     * ones are kept: they name where it came from).
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
    }
  }

  @Override
  public AddResult consolidate(Scope session) {
    Objects.requireNonNull(session, "scope must not be null");
    checkOpen();
    if (session.sessionId() == null) {
      throw new IllegalArgumentException(
          "consolidate needs scope.sessionId: it summarises one session");
    }
    if (pipeline == null) {
      return new AddResult(List.of(), PipelineOutcome.NOT_RUN);
    }
    ReentrantLock serial = pipelineLocks.forKey(Scopes.ownerKey(session));
    serial.lock();
    try {
      Instant now = clock.instant();
      List<Memory> all = new ArrayList<>();
      for (Memory m : scan(Filter.and(Scopes.filter(session), UNCONSOLIDATED))) {
        Memory e = decay.effective(m, now);
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
                  pipeline.consolidate(session, chunk, new ContextImpl(session)),
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
  public int consolidateIdleSessions() {
    checkOpen();
    if (pipeline == null || consolidationIdle == null) {
      return 0;
    }
    Instant idleSince = before(clock.instant(), consolidationIdle);
    Map<Scope, Instant> newest = new LinkedHashMap<>();
    for (Memory m : scan(Filter.and(Filter.exists("sessionId"), UNCONSOLIDATED))) {
      newest.merge(m.scope(), m.createdAt(), (a, b) -> a.isAfter(b) ? a : b);
    }
    int consolidated = 0;
    for (Map.Entry<Scope, Instant> e : newest.entrySet()) {
      if (closed) {
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

  private void consolidateIdleSessionsQuietly() {
    try {
      if (!closed) {
        int n = consolidateIdleSessions();
        LOG.debug("consolidated {} idle session(s)", n);
      }
    } catch (RuntimeException e) {
      LOG.warn("background consolidation failed; it will run again", e);
    }
  }

  /** Read-only access for pipelines, confined to one scope. */
  private final class ContextImpl implements PipelineContext {
    private final Scope scope;

    ContextImpl(Scope scope) {
      this.scope = scope;
    }

    @Override
    public List<Memory> recent(int limit) {
      if (limit < 1) {
        return List.of();
      }
      Instant now = clock.instant();
      Filter f = Filter.and(Scopes.filter(scope), Filter.eq("status", Status.ACTIVE));
      List<Memory> out = new ArrayList<>();
      for (Memory m :
          backend.list(new ListQuery(f, null, null, Math.min(limit, SCAN_PAGE), true))) {
        Memory e = decay.effective(m, now);
        if (e.status() == Status.ACTIVE && scope.contains(e.scope())) {
          out.add(e);
        }
      }
      return out;
    }

    @Override
    public List<SearchHit> similar(String text, int limit, Filter filter) {
      if (text == null || text.isBlank() || limit < 1) {
        return List.of();
      }
      Scope owner = scope.hasOwner() ? scope.withoutSession() : scope;
      String query =
          text.length() > SearchRequest.MAX_QUERY_LENGTH
              ? text.substring(0, SearchRequest.MAX_QUERY_LENGTH)
              : text;
      return search(
          SearchRequest.builder(owner, query)
              .limit(Math.min(limit, SearchRequest.MAX_LIMIT))
              .reinforce(false)
              .weights(RankingWeights.RELEVANCE_ONLY)
              .filter(filter)
              .build());
    }

    @Override
    public Optional<Memory> get(MemoryId id) {
      return DefaultMemoryStore.this.get(scope.hasOwner() ? scope.withoutSession() : scope, id);
    }
  }

  // ---------------------------------------------------------------- search

  @Override
  public List<SearchHit> search(SearchRequest request) {
    Objects.requireNonNull(request, "request must not be null");
    checkOpen();
    Instant now = clock.instant();
    Scope scope = request.scope();
    Instant asOf = request.asOf();
    Set<Status> allowed = allowedStatuses(request);
    Filter userFilter = request.filter();
    Filter pushed = pushDown(userFilter, now);
    boolean testHere = pushed != userFilter;
    Instant truthAt = asOf != null ? asOf : now;
    List<Filter> parts = new ArrayList<>();
    parts.add(Scopes.filter(scope));
    parts.add(Filter.in("status", storedStatuses(allowed)));
    parts.add(Filter.lte("validFrom", truthAt));
    parts.add(Filter.or(Filter.not(Filter.exists("validTo")), Filter.gt("validTo", truthAt)));
    if (pushed != Filter.all()) {
      parts.add(pushed);
    }
    Filter backendFilter = Filter.and(parts);
    RankingWeights w = request.weights() != null ? request.weights() : weights;

    int k = Math.min(MAX_CANDIDATES, Math.max(request.limit() * 3, 30));
    List<SearchHit> hits;
    while (true) {
      List<Candidate> candidates =
          backend.search(new BackendQuery(request.query(), backendFilter, k));
      hits = new ArrayList<>(candidates.size());
      for (Candidate c : candidates) {
        Memory m = c.memory();
        if (!scope.contains(m.scope())) {
          LOG.error("backend returned memory {} outside {}; dropped", m.id(), scope);
          continue;
        }
        Memory e = decay.effective(m, now);
        if (!allowed.contains(e.status()) || !e.isValidAt(truthAt)) {
          continue;
        }
        if (testHere && !userFilter.test(e)) {
          continue;
        }
        double retention = decay.retention(e, now);
        double score = w.blend(c.relevance(), retention, e.importance());
        if (score < request.minScore()) {
          continue;
        }
        ScoreBreakdown why =
            request.explain()
                ? new ScoreBreakdown(
                    c.relevance(), retention, e.importance(), w, score, c.signals())
                : null;
        hits.add(new SearchHit(e, score, why, null));
      }
      boolean exhausted = candidates.size() < k || k >= MAX_CANDIDATES;
      if (hits.size() >= request.limit() || exhausted) {
        break;
      }
      k = Math.min(MAX_CANDIDATES, k * 4);
    }
    hits.sort(
        Comparator.comparingDouble(SearchHit::score)
            .reversed()
            .thenComparing(h -> h.memory().id()));
    if (hits.size() > request.limit()) {
      hits = new ArrayList<>(hits.subList(0, request.limit()));
    }
    List<SearchHit> direct = List.copyOf(hits);
    if (request.expandLinks()) {
      hits.addAll(expandLinks(direct, scope, allowed, truthAt, now, request));
    }
    if (request.reinforce() && asOf == null && !direct.isEmpty()) {
      reinforce(scope, direct, now);
    }
    return List.copyOf(hits);
  }

  private static Set<Status> allowedStatuses(SearchRequest request) {
    Set<Status> allowed = new HashSet<>();
    allowed.add(Status.ACTIVE);
    if (request.includeArchived()) {
      allowed.add(Status.ARCHIVED);
    }
    if (request.asOf() != null) {
      allowed.add(Status.INVALIDATED);
    }
    return allowed;
  }

  /** Statuses to ask the backend for: an ACTIVE stored memory may read as ARCHIVED. */
  private static List<Status> storedStatuses(Set<Status> allowed) {
    List<Status> out = new ArrayList<>(allowed);
    if (allowed.contains(Status.ARCHIVED) && !out.contains(Status.ACTIVE)) {
      out.add(Status.ACTIVE);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  private List<SearchHit> expandLinks(
      List<SearchHit> direct,
      Scope scope,
      Set<Status> allowed,
      Instant truthAt,
      Instant now,
      SearchRequest request) {
    Set<MemoryId> seen = new HashSet<>();
    direct.forEach(h -> seen.add(h.memory().id()));
    List<SearchHit> out = new ArrayList<>();
    for (SearchHit hit : direct) {
      for (Link link : hit.memory().links()) {
        if (out.size() >= request.limit() || !seen.add(link.target())) {
          continue;
        }
        Optional<Memory> target = loadInScope(scope, link.target(), now);
        if (target.isEmpty()) {
          continue;
        }
        Memory t = target.get();
        if (!allowed.contains(t.status()) || !t.isValidAt(truthAt) || !request.filter().test(t)) {
          continue;
        }
        double score = hit.score() * LINK_SCORE_FACTOR;
        if (score < request.minScore()) {
          continue;
        }
        ScoreBreakdown why = null;
        if (request.explain()) {
          RankingWeights w = request.weights() != null ? request.weights() : weights;
          why =
              new ScoreBreakdown(
                  0,
                  decay.retention(t, now),
                  t.importance(),
                  w,
                  score,
                  Map.of("linkedFromScore", hit.score(), "linkFactor", LINK_SCORE_FACTOR));
        }
        out.add(new SearchHit(t, score, why, hit.memory().id()));
      }
    }
    return out;
  }

  /**
   * Recall strengthens memory: one batch per search, deferred durability (bookkeeping, not
   * content).
   */
  private void reinforce(Scope scope, List<SearchHit> hits, Instant now) {
    ReentrantLock lock = ownerLocks.forKey(Scopes.ownerKey(scope));
    lock.lock();
    try {
      List<Memory> upserts = new ArrayList<>();
      List<HistoryEvent> events = new ArrayList<>();
      for (SearchHit hit : hits) {
        Optional<Memory> stored = backend.get(hit.memory().id());
        if (stored.isEmpty()) {
          continue; // purged meanwhile
        }
        Memory current = materialize(stored.get(), now, events);
        if (current.status() != Status.ACTIVE) {
          // It decayed meanwhile: the transition its events record is stored with them.
          upserts.add(current);
          continue;
        }
        Memory recalled = decay.reinforce(current, now);
        if (recalled.tier() != current.tier()) {
          events.add(
              event(
                  EventType.PROMOTE,
                  current,
                  recalled,
                  "recalled " + recalled.accessCount() + " times",
                  "system",
                  now));
        }
        upserts.add(recalled);
      }
      if (!upserts.isEmpty()) {
        backend.apply(new WriteBatch(List.of(), upserts, events, Durability.DEFERRED));
      }
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<Memory> get(Scope scope, MemoryId id) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(id, "id must not be null");
    checkOpen();
    return loadInScope(scope, id, clock.instant());
  }

  private Optional<Memory> loadInScope(Scope scope, MemoryId id, Instant now) {
    return backend.get(id).filter(m -> scope.contains(m.scope())).map(m -> decay.effective(m, now));
  }

  @Override
  public Page<Memory> list(Scope scope, Filter filter, PageRequest page) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(filter, "filter must not be null");
    Objects.requireNonNull(page, "page must not be null");
    checkOpen();
    Instant now = clock.instant();
    Filter pushed = pushDown(filter, now);
    boolean testHere = pushed != filter;
    Filter backendFilter =
        pushed == Filter.all() ? Scopes.filter(scope) : Filter.and(Scopes.filter(scope), pushed);
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
    int fetch = testHere ? Math.max(page.limit() + 1, SCAN_PAGE) : page.limit() + 1;
    while (!more) {
      List<Memory> batch =
          backend.list(new ListQuery(backendFilter, afterAt, afterId, fetch, false));
      for (Memory m : batch) {
        afterAt = m.createdAt();
        afterId = m.id();
        if (!scope.contains(m.scope())) {
          LOG.error("backend listed memory {} outside {}; dropped", m.id(), scope);
          continue;
        }
        Memory e = decay.effective(m, now);
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

  @Override
  public List<HistoryEvent> history(Scope scope, MemoryId id) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(id, "id must not be null");
    checkOpen();
    // Every event is checked, not only the first: a backend holding events of another scope under
    // this id must not hand them over.
    List<HistoryEvent> events = new ArrayList<>();
    for (HistoryEvent e : backend.history(id)) {
      if (scope.contains(e.scope())) {
        events.add(e);
      }
    }
    return List.copyOf(events);
  }

  @Override
  public Page<HistoryEvent> history(Scope scope, PageRequest page) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(page, "page must not be null");
    checkOpen();
    long after = page.cursor() == null ? 0 : Cursors.history(page.cursor());
    List<HistoryEvent> events = backend.history(scope, after, page.limit() + 1);
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

  @Override
  public StoreStats stats(Scope scope) {
    Objects.requireNonNull(scope, "scope must not be null");
    checkOpen();
    return stats(Scopes.filter(scope));
  }

  @Override
  public StoreStats stats() {
    checkOpen();
    return stats(Filter.all());
  }

  /** Counts as reads show them: stored counts, corrected for the memories decay has changed. */
  private StoreStats stats(Filter base) {
    Instant now = clock.instant();
    Map<Status, Long> byStatus = new EnumMap<>(Status.class);
    long total = 0;
    for (Status s : Status.values()) {
      long n = backend.count(Filter.and(base, Filter.eq("status", s)));
      byStatus.put(s, n);
      total += n;
    }
    Map<Tier, Long> byTier = new EnumMap<>(Tier.class);
    for (Tier t : Tier.values()) {
      byTier.put(
          t,
          backend.count(
              Filter.and(base, Filter.eq("status", Status.ACTIVE), Filter.eq("tier", t))));
    }
    for (Memory m : scan(Filter.and(base, mayDecay(now)))) {
      Memory e = decay.effective(m, now);
      if (e == m) {
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

  /**
   * What of a caller's filter the backend can evaluate, to be ANDed with the store's own
   * conditions: the filter itself; widened to every stored value that could decay into a match when
   * it tests a field decay changes at read time; or nothing ({@link Filter#all()}) when the result
   * would nest too deep. Whatever is not the filter itself, the store tests again on the read-time
   * value.
   */
  private Filter pushDown(Filter filter, Instant now) {
    if (filter == Filter.all()) {
      return filter;
    }
    // One level for the store's AND around it.
    int room = Filter.MAX_DEPTH - 1 - filter.depth();
    if (!references(filter, LAZY_FIELDS)) {
      return room >= 0 ? filter : Filter.all();
    }
    Filter decaying = mayDecay(now);
    // Widening puts at most and(predicate, not(decaying)) where a predicate was.
    return room >= decaying.depth() + 1 ? widen(filter, decaying) : Filter.all();
  }

  /**
   * A filter on stored values holding for every memory whose read-time value may differ from the
   * stored one at {@code now}: active, and a working memory idle past the timeout or a memory last
   * accessed longer ago than the shortest archive age (τ · ln(1/θ) at strength 1). Every other
   * memory reads exactly as stored.
   */
  Filter mayDecay(Instant now) {
    List<Filter> due = new ArrayList<>(2);
    due.add(
        Filter.and(
            Filter.eq("tier", Tier.WORKING),
            Filter.lte("lastAccessedAt", before(now, decay.workingIdleTimeout()))));
    if (decay.archiveThreshold() > 0) {
      double shortest = Double.MAX_VALUE;
      for (Tier t : Tier.values()) {
        Duration tau = decay.timeConstant(t);
        shortest = Math.min(shortest, tau.getSeconds() + tau.getNano() / 1e9);
      }
      double seconds = shortest * Math.log(1 / decay.archiveThreshold());
      if (seconds < 1e15) {
        // A second short of the exact age, so that no rounding of a deadline escapes the filter.
        long age = Math.max(0, (long) Math.floor(seconds) - 1);
        due.add(Filter.lte("lastAccessedAt", before(now, Duration.ofSeconds(age))));
      }
    }
    return Filter.and(Filter.eq("status", Status.ACTIVE), Filter.or(due));
  }

  private static Instant before(Instant t, Duration d) {
    try {
      return t.minus(d);
    } catch (ArithmeticException | DateTimeException e) {
      return Instant.MIN;
    }
  }

  /**
   * A filter on stored values that holds for every memory whose read-time value satisfies {@code
   * f}; {@code decaying} is {@link #mayDecay}. A predicate on a field decay changes is widened to
   * also admit every memory that may decay; under a negation the inner filter is narrowed instead.
   */
  static Filter widen(Filter f, Filter decaying) {
    if (!references(f, LAZY_FIELDS)) {
      return f;
    }
    return switch (f) {
      case Filter.And a -> Filter.and(a.filters().stream().map(x -> widen(x, decaying)).toList());
      case Filter.Or o -> Filter.or(o.filters().stream().map(x -> widen(x, decaying)).toList());
      case Filter.Not n -> Filter.not(narrow(n.filter(), decaying));
      default -> Filter.or(f, decaying);
    };
  }

  /** A filter on stored values that holds only for memories whose read-time value satisfies it. */
  static Filter narrow(Filter f, Filter decaying) {
    if (!references(f, LAZY_FIELDS)) {
      return f;
    }
    return switch (f) {
      case Filter.And a -> Filter.and(a.filters().stream().map(x -> narrow(x, decaying)).toList());
      case Filter.Or o -> Filter.or(o.filters().stream().map(x -> narrow(x, decaying)).toList());
      case Filter.Not n -> Filter.not(widen(n.filter(), decaying));
      default -> Filter.and(f, Filter.not(decaying));
    };
  }

  // ---------------------------------------------------------------- changes

  @Override
  public Memory update(Scope scope, MemoryId id, MemoryUpdate update) {
    Objects.requireNonNull(update, "update must not be null");
    return change(
        scope,
        id,
        update.actor(),
        (current, now) -> {
          if (current.status() == Status.DELETED) {
            throw new IllegalStateException(
                "memory " + id + " is deleted; restore it before updating it");
          }
          Memory.Builder b = current.toBuilder();
          if (update.text() != null) {
            checkTextSize("text", update.text());
            b.text(update.text());
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
              b.lastAccessedAt(now);
            }
            b.tier(update.tier());
          }
          if (update.validFrom() != null) {
            b.validFrom(update.validFrom());
          }
          // Raising importance can promote, as it does at add time; an explicit tier wins.
          boolean mayPromote = update.importance() != null && update.tier() == null;
          return new Change(EventType.UPDATE, b, update.reason(), mayPromote);
        });
  }

  @Override
  public Memory invalidate(Scope scope, MemoryId id, String reason, String actor) {
    HistoryEvent.checkReason(reason);
    checkActor(actor);
    return change(
        scope,
        id,
        actor,
        (current, now) -> {
          switch (current.status()) {
            case DELETED ->
                throw new IllegalStateException(
                    "memory " + id + " is deleted; restore it before invalidating it");
            case INVALIDATED -> {
              return null;
            }
            default -> {
              Instant validTo = now.isBefore(current.validFrom()) ? current.validFrom() : now;
              return new Change(
                  EventType.INVALIDATE,
                  current.toBuilder().status(Status.INVALIDATED).validTo(validTo),
                  reason);
            }
          }
        });
  }

  @Override
  public Memory delete(Scope scope, MemoryId id, String reason, String actor) {
    HistoryEvent.checkReason(reason);
    checkActor(actor);
    return change(
        scope,
        id,
        actor,
        (current, now) ->
            current.status() == Status.DELETED
                ? null
                : new Change(EventType.DELETE, current.toBuilder().status(Status.DELETED), reason));
  }

  @Override
  public Memory restore(Scope scope, MemoryId id, String reason, String actor) {
    HistoryEvent.checkReason(reason);
    checkActor(actor);
    return change(
        scope,
        id,
        actor,
        (current, now) -> {
          if (current.status() == Status.ACTIVE) {
            return null;
          }
          // A fresh forgetting curve, or an archived memory would fade straight back.
          Memory.Builder b = current.toBuilder().lastAccessedAt(now);
          if (current.status() == Status.DELETED && current.validTo() != null) {
            // Only an invalidation sets validTo: undo the delete, and the memory is again a fact
            // that was true until then (restoring it once more reopens it).
            b.status(Status.INVALIDATED);
          } else {
            b.status(Status.ACTIVE).validTo(null);
          }
          return new Change(EventType.RESTORE, b, reason);
        });
  }

  @Override
  public Memory link(Scope scope, MemoryId from, MemoryId to, String relation, String actor) {
    Objects.requireNonNull(from, "from must not be null");
    Objects.requireNonNull(to, "to must not be null");
    checkActor(actor);
    Link link = new Link(to, relation == null ? Link.RELATED : relation);
    if (from.equals(to)) {
      throw new IllegalArgumentException("a memory cannot link to itself (" + from + ")");
    }
    return change(
        scope,
        from,
        actor,
        (current, now) -> {
          if (loadInScope(scope, to, now).isEmpty()) {
            throw new MemoryNotFoundException(to, scope);
          }
          if (current.links().contains(link)) {
            return null;
          }
          List<Link> links = new ArrayList<>(current.links());
          links.add(link);
          return new Change(
              EventType.LINK,
              current.toBuilder().links(links),
              "linked to " + to + " (" + link.relation() + ")");
        });
  }

  /**
   * A change to make.
   *
   * @param mayPromote whether the changed memory gets the importance / recall promotion rule
   */
  private record Change(EventType type, Memory.Builder after, String reason, boolean mayPromote) {
    Change(EventType type, Memory.Builder after, String reason) {
      this(type, after, reason, false);
    }
  }

  @FunctionalInterface
  private interface ChangeFn {
    /** The change to make, or {@code null} when the memory is already as asked. */
    Change apply(Memory current, Instant now);
  }

  private Memory change(Scope scope, MemoryId id, String actor, ChangeFn fn) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(id, "id must not be null");
    checkOpen();
    ReentrantLock lock = ownerLocks.forKey(Scopes.ownerKey(scope));
    lock.lock();
    try {
      Instant now = clock.instant();
      Memory stored =
          backend
              .get(id)
              .filter(m -> scope.contains(m.scope()))
              .orElseThrow(() -> new MemoryNotFoundException(id, scope));
      List<HistoryEvent> events = new ArrayList<>();
      Memory current = materialize(stored, now, events);
      Change change = fn.apply(current, now);
      if (change == null) {
        if (!events.isEmpty()) {
          backend.apply(new WriteBatch(List.of(), List.of(current), events, Durability.SYNC));
        }
        return current;
      }
      Memory after = change.after().updatedAt(now).version(current.version() + 1).build();
      events.add(event(change.type(), current, after, change.reason(), actor, now));
      if (change.mayPromote()) {
        after = promoteIfDue(after, now, events);
      }
      Map<MemoryId, Memory> batch = new LinkedHashMap<>();
      batch.put(after.id(), after);
      if (after.tier() == Tier.WORKING && after.scope().sessionId() != null) {
        boundWorkingMemory(after.scope(), batch, Set.of(), events, now);
      }
      backend.apply(
          new WriteBatch(List.of(), List.copyOf(batch.values()), events, Durability.SYNC));
      return batch.get(after.id());
    } finally {
      lock.unlock();
    }
  }

  /** The memory promoted if it now qualifies, with a PROMOTE event; else the memory itself. */
  private Memory promoteIfDue(Memory m, Instant now, List<HistoryEvent> events) {
    Memory promoted = decay.promoteIfDue(m, now);
    if (promoted != m) {
      events.add(event(EventType.PROMOTE, m, promoted, promotionReason(promoted), "system", now));
    }
    return promoted;
  }

  private String promotionReason(Memory m) {
    return m.importance() >= decay.promoteAtImportance()
        ? String.format(
            Locale.ROOT,
            "importance %.2f reached the promotion threshold %.2f",
            m.importance(),
            decay.promoteAtImportance())
        : "recalled " + m.accessCount() + " times";
  }

  /**
   * The stored memory with its due time-driven changes applied, appending their events: what
   * maintenance would have written, so history stays complete whichever comes first.
   */
  private Memory materialize(Memory stored, Instant now, List<HistoryEvent> events) {
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

  // ---------------------------------------------------------------- purge

  @Override
  public boolean purge(Scope scope, MemoryId id, String actor) {
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(id, "id must not be null");
    checkActor(actor);
    checkOpen();
    ReentrantLock lock = ownerLocks.forKey(Scopes.ownerKey(scope));
    lock.lock();
    try {
      Optional<Memory> m = backend.get(id).filter(x -> scope.contains(x.scope()));
      if (m.isEmpty()) {
        return false;
      }
      purgeLocked(List.of(m.get()), true, actor);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Purges memories of one owner in one batch. A tombstone keeps only the id, the scope (which
   * history by scope needs) and the time.
   *
   * @param unlink whether to remove the owner's other memories' links to them, in the same batch
   */
  private void purgeLocked(List<Memory> memories, boolean unlink, String actor) {
    Instant now = clock.instant();
    List<MemoryId> ids = new ArrayList<>(memories.size());
    List<HistoryEvent> events = new ArrayList<>(memories.size());
    for (Memory m : memories) {
      ids.add(m.id());
      events.add(
          new HistoryEvent(
              0, m.id(), m.scope(), EventType.PURGE, null, null, "purged", actor, now));
    }
    Map<MemoryId, Memory> unlinked = new LinkedHashMap<>();
    if (unlink) {
      unlinkFrom(ownerOf(memories.get(0).scope()), Set.copyOf(ids), now, unlinked, events);
    }
    backend.apply(new WriteBatch(ids, List.copyOf(unlinked.values()), events, Durability.SYNC));
  }

  private static Scope ownerOf(Scope scope) {
    return scope.hasOwner() ? scope.withoutSession() : scope;
  }

  /**
   * Removes the links to purged memories from the owner's other memories (links never cross
   * owners), each change an UPDATE event: nothing keeps referring to what was purged.
   */
  private void unlinkFrom(
      Scope owner,
      Set<MemoryId> purged,
      Instant now,
      Map<MemoryId, Memory> upserts,
      List<HistoryEvent> events) {
    for (Memory m : scan(Scopes.filter(owner))) {
      if (purged.contains(m.id())
          || m.links().stream().noneMatch(l -> purged.contains(l.target()))) {
        continue;
      }
      Memory current = materialize(m, now, events);
      List<Link> kept = current.links().stream().filter(l -> !purged.contains(l.target())).toList();
      Memory after =
          current.toBuilder().links(kept).updatedAt(now).version(current.version() + 1).build();
      events.add(
          event(
              EventType.UPDATE, current, after, "links to purged memories removed", "system", now));
      upserts.put(after.id(), after);
    }
  }

  @Override
  public long purgeScope(Scope scope) {
    Objects.requireNonNull(scope, "scope must not be null");
    checkOpen();
    Set<MemoryId> purged = new HashSet<>();
    long n = purgeMatching(Scopes.filter(scope), purged);
    if (scope.sessionId() != null && !purged.isEmpty()) {
      // The owner's other sessions may link into the purged one.
      ReentrantLock lock = ownerLocks.forKey(Scopes.ownerKey(scope));
      lock.lock();
      try {
        Instant now = clock.instant();
        Map<MemoryId, Memory> unlinked = new LinkedHashMap<>();
        List<HistoryEvent> events = new ArrayList<>();
        unlinkFrom(ownerOf(scope), purged, now, unlinked, events);
        if (!events.isEmpty()) {
          backend.apply(
              new WriteBatch(List.of(), List.copyOf(unlinked.values()), events, Durability.SYNC));
        }
      } finally {
        lock.unlock();
      }
    }
    return n;
  }

  @Override
  public long purgeUser(String userId) {
    Objects.requireNonNull(userId, "userId must not be null");
    checkOpen();
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
      List<Memory> batch = backend.list(ListQuery.first(filter, SCAN_PAGE));
      if (batch.isEmpty()) {
        return purged.size() - before;
      }
      Map<String, List<Memory>> byOwner = new LinkedHashMap<>();
      for (Memory m : batch) {
        byOwner.computeIfAbsent(Scopes.ownerKey(m.scope()), k -> new ArrayList<>()).add(m);
      }
      for (Map.Entry<String, List<Memory>> e : byOwner.entrySet()) {
        ReentrantLock lock = ownerLocks.forKey(e.getKey());
        lock.lock();
        try {
          List<Memory> present = new ArrayList<>();
          for (Memory m : e.getValue()) {
            backend.get(m.id()).ifPresent(present::add);
          }
          if (!present.isEmpty()) {
            purgeLocked(present, false, "api");
            present.forEach(m -> purged.add(m.id()));
          }
        } finally {
          lock.unlock();
        }
      }
    }
  }

  // ---------------------------------------------------------------- maintenance

  @Override
  public MaintenanceReport maintain() {
    checkOpen();
    Instant now = clock.instant();
    long scanned = 0;
    long archived = 0;
    long promoted = 0;
    Instant afterAt = null;
    MemoryId afterId = null;
    while (!closed) {
      List<Memory> page =
          backend.list(
              new ListQuery(
                  Filter.eq("status", Status.ACTIVE), afterAt, afterId, SCAN_PAGE, false));
      if (page.isEmpty()) {
        break;
      }
      Map<String, List<MemoryId>> due = new LinkedHashMap<>();
      for (Memory m : page) {
        scanned++;
        afterAt = m.createdAt();
        afterId = m.id();
        if (decay.effective(m, now) != m) {
          due.computeIfAbsent(Scopes.ownerKey(m.scope()), k -> new ArrayList<>()).add(m.id());
        }
      }
      for (Map.Entry<String, List<MemoryId>> e : due.entrySet()) {
        ReentrantLock lock = ownerLocks.forKey(e.getKey());
        lock.lock();
        try {
          List<Memory> upserts = new ArrayList<>();
          List<HistoryEvent> events = new ArrayList<>();
          for (MemoryId id : e.getValue()) {
            Optional<Memory> stored = backend.get(id);
            if (stored.isEmpty()) {
              continue;
            }
            Memory after = materialize(stored.get(), now, events);
            if (after != stored.get()) {
              upserts.add(after);
              if (after.status() == Status.ARCHIVED) {
                archived++;
              }
              if (after.tier() != stored.get().tier()) {
                promoted++;
              }
            }
          }
          if (!upserts.isEmpty()) {
            backend.apply(new WriteBatch(List.of(), upserts, events, Durability.SYNC));
          }
        } finally {
          lock.unlock();
        }
      }
      if (page.size() < SCAN_PAGE) {
        break;
      }
    }
    return new MaintenanceReport(now, scanned, archived, promoted);
  }

  private void maintainQuietly() {
    try {
      if (!closed) {
        MaintenanceReport r = maintain();
        LOG.debug("maintenance: {}", r);
      }
    } catch (RuntimeException e) {
      LOG.warn("background maintenance failed; it will run again", e);
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A creation time at or after {@code now} and strictly after every earlier one, so that listing
   * in creation order keeps the order things were said, even for a batch stored in one instant.
   */
  private Instant nextCreatedAt(Instant now) {
    return lastCreatedAt.accumulateAndGet(
        now, (last, candidate) -> candidate.isAfter(last) ? candidate : last.plusNanos(1));
  }

  private List<Memory> scan(Filter filter) {
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

  /**
   * A new id: 122 random bits, so it is no id used before, in this store or any other (the chance
   * of a repeat among a billion ids is below 10^-19), and looking each one up in the backend — two
   * index reads per memory added — would buy nothing. Only the batch's own ids are checked.
   */
  private MemoryId freshId(Collection<MemoryId> alsoTaken) {
    while (true) {
      MemoryId id = MemoryId.random();
      if (!alsoTaken.contains(id)) {
        return id;
      }
    }
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

  private void checkTextSize(String field, String text) {
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

  /** Whether a filter tests any of the given fields. */
  static boolean references(Filter f, Set<String> fields) {
    return switch (f) {
      case Filter.Comparison c -> fields.contains(c.field().name());
      case Filter.In in -> fields.contains(in.field().name());
      case Filter.Contains c -> fields.contains(c.field().name());
      case Filter.Exists e -> fields.contains(e.field().name());
      case Filter.And a -> a.filters().stream().anyMatch(x -> references(x, fields));
      case Filter.Or o -> o.filters().stream().anyMatch(x -> references(x, fields));
      case Filter.Not n -> references(n.filter(), fields);
      case Filter.MatchAll m -> false;
    };
  }

  /** The rule of {@code AddRequest.Builder.actor} and {@code MemoryUpdate.Builder.actor}. */
  private static void checkActor(String actor) {
    if (actor == null || actor.isBlank() || actor.length() > 64) {
      throw new IllegalArgumentException("actor must be 1 to 64 characters");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the memory store is closed");
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (maintenance != null) {
      // A running pass must finish before the backend closes under it; it stops at its next page.
      maintenance.shutdown();
      try {
        if (!maintenance.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
          LOG.error(
              "background maintenance did not stop within {} s; closing the backend anyway",
              CLOSE_WAIT_SECONDS);
          maintenance.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        maintenance.shutdownNow();
      }
    }
    backend.close();
  }
}
