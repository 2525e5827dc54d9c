package dev.engram.internal;

import dev.engram.MaintenanceReport;
import dev.engram.backend.ListQuery;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persisting what time and recall changed: the maintenance pass (tier moves and archiving that
 * reads already show), writing buffered recalls, and the background schedule for both and for idle
 * session consolidation.
 */
final class Maintenance {
  private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);
  private static final long CLOSE_WAIT_SECONDS = 60;

  /** Buffered recalls beyond which a search asks for them to be written at once. */
  static final int FLUSH_RECALLS_AT = 10_000;

  private final StoreCore core;
  private final ScheduledExecutorService background;
  private final AtomicBoolean flushQueued = new AtomicBoolean();

  Maintenance(StoreCore core) {
    this.core = core;
    this.background =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "engram-maintenance");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts the schedule, once the store is built.
   *
   * @param recallFlushInterval how often buffered recalls are written
   * @param maintenanceInterval how often the maintenance pass runs, or {@code null} for never
   * @param idleConsolidation the task consolidating idle sessions, or {@code null}
   * @param idleConsolidationPeriod how often it runs
   */
  void start(
      Duration recallFlushInterval,
      Duration maintenanceInterval,
      Runnable idleConsolidation,
      Duration idleConsolidationPeriod) {
    long flush = recallFlushInterval.toMillis();
    background.scheduleWithFixedDelay(
        () -> quietly("writing recalls", this::flushRecalls), flush, flush, TimeUnit.MILLISECONDS);
    if (maintenanceInterval != null) {
      long ms = maintenanceInterval.toMillis();
      background.scheduleWithFixedDelay(
          () -> quietly("maintenance", this::maintain), ms, ms, TimeUnit.MILLISECONDS);
    }
    if (idleConsolidation != null) {
      long ms = idleConsolidationPeriod.toMillis();
      background.scheduleWithFixedDelay(
          () -> quietly("background consolidation", idleConsolidation),
          ms,
          ms,
          TimeUnit.MILLISECONDS);
    }
  }

  private void quietly(String what, Runnable task) {
    try {
      if (!core.isClosed()) {
        task.run();
      }
    } catch (RuntimeException e) {
      LOG.warn("{} failed; it will run again", what, e);
    }
  }

  /** After a search recorded recalls: a full buffer is written soon, off the caller's thread. */
  void recallsRecorded() {
    if (core.recalls.size() >= FLUSH_RECALLS_AT && flushQueued.compareAndSet(false, true)) {
      try {
        background.execute(
            () -> {
              flushQueued.set(false);
              quietly("writing recalls", this::flushRecalls);
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        flushQueued.set(false); // closing: close() writes them
      }
    }
  }

  /** Writes every buffered recall, one batch per owner. */
  void flushRecalls() {
    flushRecalls(null);
  }

  /**
   * Writes the buffered recalls of the owner of {@code scope} (of every owner for {@code null}),
   * one batch per owner.
   */
  void flushRecalls(Scope scope) {
    if (core.recalls.size() == 0) {
      return;
    }
    String only = scope == null ? null : Scopes.ownerKey(scope);
    Map<String, List<MemoryId>> byOwner = new LinkedHashMap<>();
    for (MemoryId id : core.recalls.ids()) {
      var pending = core.recalls.peek(id);
      if (pending == null) {
        continue;
      }
      String owner = Scopes.ownerKey(pending.recalled().scope());
      if (only == null || only.equals(owner)) {
        byOwner.computeIfAbsent(owner, k -> new ArrayList<>()).add(id);
      }
    }
    Instant now = core.clock.instant();
    for (Map.Entry<String, List<MemoryId>> e : byOwner.entrySet()) {
      settle(e.getKey(), e.getValue(), now);
    }
  }

  /**
   * Brings memories of one owner up to {@code now} in one batch: buffered recalls and due
   * time-driven changes.
   *
   * @return the memories changed
   */
  private List<Memory> settle(String ownerKey, List<MemoryId> ids, Instant now) {
    StoreCore.OwnerHold hold = core.holdKey(ownerKey);
    try {
      PendingBatch batch = null;
      List<Memory> changed = new ArrayList<>();
      for (MemoryId id : ids) {
        Optional<Memory> stored = core.backend.get(id);
        if (stored.isEmpty()) {
          core.recalls.take(id); // purged meanwhile
          continue;
        }
        if (batch == null) {
          batch = new PendingBatch(core, stored.get().scope(), now);
        }
        Memory after = core.settle(stored.get(), now, batch.events);
        if (after != stored.get()) {
          batch.put(after);
          changed.add(after);
        }
      }
      if (batch != null && !batch.isEmpty()) {
        core.backend.apply(batch.toWriteBatch(List.of()));
      }
      return changed;
    } finally {
      hold.close();
    }
  }

  MaintenanceReport maintain() {
    core.checkOpen();
    flushRecalls();
    Instant now = core.clock.instant();
    long scanned = 0;
    long archived = 0;
    long promoted = 0;
    Instant afterAt = null;
    MemoryId afterId = null;
    while (!core.isClosed()) {
      List<Memory> page =
          core.backend.list(
              new ListQuery(
                  Filter.eq("status", Status.ACTIVE),
                  afterAt,
                  afterId,
                  StoreCore.SCAN_PAGE,
                  false));
      if (page.isEmpty()) {
        break;
      }
      Map<String, List<MemoryId>> due = new LinkedHashMap<>();
      Map<MemoryId, Memory> before = new LinkedHashMap<>();
      for (Memory m : page) {
        scanned++;
        afterAt = m.createdAt();
        afterId = m.id();
        if (core.decay.effective(m, now) != m) {
          due.computeIfAbsent(Scopes.ownerKey(m.scope()), k -> new ArrayList<>()).add(m.id());
          before.put(m.id(), m);
        }
      }
      for (Map.Entry<String, List<MemoryId>> e : due.entrySet()) {
        for (Memory after : settle(e.getKey(), e.getValue(), now)) {
          Memory was = before.get(after.id());
          if (after.status() == Status.ARCHIVED) {
            archived++;
          }
          if (was != null && after.tier() != was.tier()) {
            promoted++;
          }
        }
      }
      if (page.size() < StoreCore.SCAN_PAGE) {
        break;
      }
    }
    // Last: the pass's own writes are then part of what is reorganised.
    boolean compacted = !core.isClosed() && core.backend.compact();
    return new MaintenanceReport(now, scanned, archived, promoted, compacted);
  }

  /**
   * Stops the schedule, waiting for a running task (it stops at its next page), then writes the
   * recalls still buffered.
   */
  void close() {
    background.shutdown();
    try {
      if (!background.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        LOG.error(
            "background maintenance did not stop within {} s; closing the backend anyway",
            CLOSE_WAIT_SECONDS);
        background.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      background.shutdownNow();
    }
    try {
      flushRecalls();
    } catch (RuntimeException e) {
      LOG.warn("could not write {} buffered recall(s) at close", core.recalls.size(), e);
    }
  }
}
