package dev.engram;

import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A {@link MemoryStore} with {@link #addAsync adds} and {@link #searchAsync searches} that run on a
 * bounded pool of its own threads, so an LLM pipeline's calls (seconds each) never hold the
 * caller's thread. Every other method is the wrapped store's, run on the caller's thread.
 *
 * {@snippet :
 * try (AsyncMemoryStore memory =
 *     AsyncMemoryStore.builder(store).threads(4).queueCapacity(500).whenFull(WhenFull.BLOCK).build()) {
 *   memory.addAsync(Scope.user("alice"), "I moved to Porto")
 *       .thenAccept(r -> log.info("stored {}", r.added().size()));
 * } // waits for every accepted add, then closes the store
 * }
 *
 * <p><b>Back-pressure.</b> At most {@code threads} calls run at once and at most {@code
 * queueCapacity} more wait for a thread. When both are taken, a new call either fails at once with
 * {@link QueueFullException} ({@link WhenFull#FAIL}, the default: an async method never blocks
 * unless asked to) or waits for room ({@link WhenFull#BLOCK}).
 *
 * <p><b>Results and failures.</b> Whatever the store throws for a call (a bad argument, a closed
 * store, an I/O failure) completes its future exceptionally; only a full queue, a closed {@code
 * AsyncMemoryStore} and a null argument are thrown by the async method itself. A future cancelled
 * before its call started cancels the call; a running call is never interrupted (that could leave
 * an index half-written). An async add is visible to searches once its future has completed: join
 * it to read your own write.
 *
 * <p><b>Closing</b> refuses new calls, waits until every accepted one has finished, then closes the
 * wrapped store. Its threads are not daemons, so accepted work is not lost when the main thread
 * ends; idle threads stop after {@value #KEEP_ALIVE_SECONDS} seconds.
 */
public final class AsyncMemoryStore implements MemoryStore {
  /** How long an idle pool thread lives, in seconds. */
  public static final int KEEP_ALIVE_SECONDS = 10;

  /** What an async call does when {@code threads + queueCapacity} calls are already accepted. */
  public enum WhenFull {
    /** Throw {@link QueueFullException} at once; nothing is accepted. */
    FAIL,
    /** Wait on the calling thread until a call finishes and frees room. */
    BLOCK
  }

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final MemoryStore store;
  private final int threads;
  private final int queueCapacity;
  private final WhenFull whenFull;
  private final ThreadPoolExecutor executor;
  // Room for what runs and what waits; the executor's own queue is unbounded and never holds more
  // than these permits allow, so FAIL and BLOCK are decided here, before anything is queued.
  private final Semaphore room;
  private volatile boolean closed;

  private AsyncMemoryStore(Builder b) {
    this.store = b.store;
    this.threads = b.threads;
    this.queueCapacity = b.queueCapacity;
    this.whenFull = b.whenFull;
    this.room = new Semaphore(threads + queueCapacity);
    int pool = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new Thread(r, "engram-async-" + pool + "-" + n.incrementAndGet());
          t.setDaemon(false);
          return t;
        };
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            KEEP_ALIVE_SECONDS,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            factory);
    executor.allowCoreThreadTimeOut(true);
  }

  /** A builder over {@code store}, which the built {@code AsyncMemoryStore} closes. */
  public static Builder builder(MemoryStore store) {
    return new Builder(store);
  }

  /** {@code store} with every default: 4 threads, a queue of 1,000, {@link WhenFull#FAIL}. */
  public static AsyncMemoryStore of(MemoryStore store) {
    return builder(store).build();
  }

  // --------------------------------------------------------------------------- async

  /**
   * {@link #add(AddRequest)} on the pool.
   *
   * @throws QueueFullException if the queue is full and {@link WhenFull#FAIL} was chosen
   * @throws IllegalStateException if this store is closed
   */
  public CompletableFuture<AddResult> addAsync(AddRequest request) {
    Objects.requireNonNull(request, "request must not be null");
    return submit(() -> store.add(request));
  }

  /** {@link #add(Scope, String...)} on the pool; see {@link #addAsync(AddRequest)}. */
  public CompletableFuture<AddResult> addAsync(Scope scope, String... texts) {
    return addAsync(AddRequest.of(scope, texts));
  }

  /**
   * {@link #search(SearchRequest)} on the pool.
   *
   * @throws QueueFullException if the queue is full and {@link WhenFull#FAIL} was chosen
   * @throws IllegalStateException if this store is closed
   */
  public CompletableFuture<List<SearchHit>> searchAsync(SearchRequest request) {
    Objects.requireNonNull(request, "request must not be null");
    return submit(() -> store.search(request));
  }

  /** {@link #search(Scope, String)} on the pool; see {@link #searchAsync(SearchRequest)}. */
  public CompletableFuture<List<SearchHit>> searchAsync(Scope scope, String query) {
    return searchAsync(SearchRequest.of(scope, query));
  }

  /** How many async calls are accepted and not finished (running or waiting). */
  public int pending() {
    return threads + queueCapacity - room.availablePermits();
  }

  /** The most calls that run at once. */
  public int threads() {
    return threads;
  }

  /** The most calls that wait for a thread. */
  public int queueCapacity() {
    return queueCapacity;
  }

  /** What a call does when the queue is full. */
  public WhenFull whenFull() {
    return whenFull;
  }

  private <T> CompletableFuture<T> submit(Supplier<T> call) {
    checkOpen();
    acquireRoom();
    if (closed) { // closed while this caller waited for room
      room.release();
      checkOpen();
    }
    Task<T> task = new Task<>(call);
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) { // shut down between the check and here
      room.release();
      checkOpen();
      throw e;
    }
    return task.future;
  }

  private void acquireRoom() {
    if (whenFull == WhenFull.FAIL) {
      if (!room.tryAcquire()) {
        throw new QueueFullException(
            "the async queue is full: "
                + threads
                + " calls are running and "
                + queueCapacity
                + " waiting (AsyncMemoryStore.Builder.queueCapacity = "
                + queueCapacity
                + "); wait for some futures to complete, raise queueCapacity, or build with"
                + " whenFull(WhenFull.BLOCK) to wait for room instead");
      }
      return;
    }
    try {
      room.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngramException(
          "interrupted while waiting for room in the async queue (WhenFull.BLOCK); the call was"
              + " not accepted",
          e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(
          "the AsyncMemoryStore is closed: it accepts no new calls (it finished those it had"
              + " accepted, then closed the store)");
    }
  }

  /** One accepted call: runs unless its future was cancelled first, then frees its room. */
  private final class Task<T> implements Runnable {
    final CompletableFuture<T> future = new CompletableFuture<>();
    private final Supplier<T> call;

    Task(Supplier<T> call) {
      this.call = call;
    }

    @Override
    public void run() {
      if (future.isDone()) { // cancelled before it started
        room.release();
        return;
      }
      T result = null;
      Throwable failure = null;
      try {
        result = call.get();
      } catch (Throwable t) {
        failure = t;
      }
      // Room first: a caller woken by the future may submit again at once and must find it.
      room.release();
      if (failure != null) {
        future.completeExceptionally(failure);
      } else {
        future.complete(result);
      }
    }

    void cancel() {
      try {
        future.cancel(false);
      } finally {
        room.release();
      }
    }
  }

  /**
   * Refuses new calls, waits until every accepted call has finished, then closes the wrapped store.
   * If the closing thread is interrupted while it waits, the calls that have not started are
   * cancelled (their futures complete with a {@link java.util.concurrent.CancellationException}),
   * the running ones are still waited for, and the interrupt is kept. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    executor.shutdown();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          if (executor.awaitTermination(1, TimeUnit.DAYS)) {
            break;
          }
        } catch (InterruptedException e) {
          interrupted = true;
          List<Runnable> waiting = new ArrayList<>();
          executor.getQueue().drainTo(waiting);
          for (Runnable r : waiting) {
            ((Task<?>) r).cancel();
          }
        }
      }
    } finally {
      try {
        store.close();
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  // --------------------------------------------------------------------------- the store's own

  @Override
  public AddResult add(AddRequest request) {
    return store.add(request);
  }

  @Override
  public List<SearchHit> search(SearchRequest request) {
    return store.search(request);
  }

  @Override
  public Optional<Memory> get(Scope scope, MemoryId id) {
    return store.get(scope, id);
  }

  @Override
  public Page<Memory> list(Scope scope, Filter filter, PageRequest page) {
    return store.list(scope, filter, page);
  }

  @Override
  public Memory update(Scope scope, MemoryId id, MemoryUpdate update) {
    return store.update(scope, id, update);
  }

  @Override
  public Memory invalidate(Scope scope, MemoryId id, String reason, String actor) {
    return store.invalidate(scope, id, reason, actor);
  }

  @Override
  public Memory delete(Scope scope, MemoryId id, String reason, String actor) {
    return store.delete(scope, id, reason, actor);
  }

  @Override
  public Memory restore(Scope scope, MemoryId id, String reason, String actor) {
    return store.restore(scope, id, reason, actor);
  }

  @Override
  public Memory link(Scope scope, MemoryId from, MemoryId to, String relation, String actor) {
    return store.link(scope, from, to, relation, actor);
  }

  @Override
  public boolean purge(Scope scope, MemoryId id, String actor) {
    return store.purge(scope, id, actor);
  }

  @Override
  public long purgeScope(Scope scope) {
    return store.purgeScope(scope);
  }

  @Override
  public long purgeUser(String userId) {
    return store.purgeUser(userId);
  }

  @Override
  public List<HistoryEvent> history(Scope scope, MemoryId id) {
    return store.history(scope, id);
  }

  @Override
  public Page<HistoryEvent> history(Scope scope, PageRequest page) {
    return store.history(scope, page);
  }

  @Override
  public AddResult consolidate(Scope session) {
    return store.consolidate(session);
  }

  @Override
  public MaintenanceReport maintain() {
    return store.maintain();
  }

  @Override
  public StoreStats stats(Scope scope) {
    return store.stats(scope);
  }

  @Override
  public StoreStats stats() {
    return store.stats();
  }

  /** Builds {@link AsyncMemoryStore}s; every setter validates its argument at once. */
  public static final class Builder {
    /** The default number of threads: 4 (adds mostly wait on an LLM, not on a core). */
    public static final int DEFAULT_THREADS = 4;

    /** The default number of calls that may wait for a thread: 1,000. */
    public static final int DEFAULT_QUEUE_CAPACITY = 1_000;

    private final MemoryStore store;
    private int threads = DEFAULT_THREADS;
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private WhenFull whenFull = WhenFull.FAIL;

    private Builder(MemoryStore store) {
      this.store = Objects.requireNonNull(store, "store must not be null");
    }

    /** Sets how many calls run at once, 1 to 256; default {@value #DEFAULT_THREADS}. */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("threads must be from 1 to 256, got " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Sets how many accepted calls may wait for a thread, 0 to 1,000,000; default {@value
     * #DEFAULT_QUEUE_CAPACITY}. With 0, a call is accepted only when a thread is free.
     */
    public Builder queueCapacity(int queueCapacity) {
      if (queueCapacity < 0 || queueCapacity > 1_000_000) {
        throw new IllegalArgumentException(
            "queueCapacity must be from 0 to 1000000, got " + queueCapacity);
      }
      this.queueCapacity = queueCapacity;
      return this;
    }

    /** Sets what a call does when the queue is full; default {@link WhenFull#FAIL}. */
    public Builder whenFull(WhenFull whenFull) {
      this.whenFull = Objects.requireNonNull(whenFull, "whenFull must not be null");
      return this;
    }

    /** Builds it; its threads start with the first call. */
    public AsyncMemoryStore build() {
      return new AsyncMemoryStore(this);
    }
  }
}
