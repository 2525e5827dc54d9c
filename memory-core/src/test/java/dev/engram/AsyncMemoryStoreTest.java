package dev.engram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AsyncMemoryStore.WhenFull;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PipelineUsage;
import dev.engram.pipeline.PlannedChange;
import dev.engram.recall.SearchHit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Async adds and searches: off the caller's thread, bounded, failing or blocking as chosen, drained
 * on close. Synchronised with latches and a gate, never with sleeps.
 */
class AsyncMemoryStoreTest {
  private static final Scope ALICE = Scope.user("alice");
  private static final Scope BOB = Scope.user("bob");

  /** Generous: nothing here waits for a time slice, only for events. */
  private static final long TIMEOUT_SECONDS = 60;

  /** A pipeline whose calls wait at a gate, announcing each start; records its threads. */
  private static final class GatedPipeline implements MemoryPipeline {
    final Semaphore gate = new Semaphore(0);
    final Semaphore started = new Semaphore(0);
    final Set<Thread> threads = ConcurrentHashMap.newKeySet();

    @Override
    public PipelinePlan plan(
        dev.engram.pipeline.PipelineInput input, dev.engram.pipeline.PipelineContext context) {
      threads.add(Thread.currentThread());
      started.release();
      try {
        if (!gate.tryAcquire(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          throw new AssertionError("the gate was never opened");
        }
      } catch (InterruptedException e) {
        throw new AssertionError("a running call was interrupted", e);
      }
      String text = input.messages().get(input.messages().size() - 1).text();
      return new PipelinePlan(
          List.of(new PlannedChange.Add(MemoryDraft.fact("fact: " + text), "extracted")),
          new PipelineUsage(1, 10, 5, Duration.ZERO),
          List.of());
    }

    void awaitStarted(int calls) throws InterruptedException {
      assertTrue(
          started.tryAcquire(calls, TIMEOUT_SECONDS, TimeUnit.SECONDS), "calls never started");
    }
  }

  private final GatedPipeline pipeline = new GatedPipeline();
  private final MemoryStore store = Engram.builder().pipeline(pipeline).maxTextBytes(64).build();
  private final List<AsyncMemoryStore> opened = new ArrayList<>();

  private AsyncMemoryStore async(int threads, int queue, WhenFull whenFull) {
    AsyncMemoryStore a =
        AsyncMemoryStore.builder(store)
            .threads(threads)
            .queueCapacity(queue)
            .whenFull(whenFull)
            .build();
    opened.add(a);
    return a;
  }

  @AfterEach
  void close() {
    pipeline.gate.release(1_000);
    opened.forEach(AsyncMemoryStore::close);
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static List<String> texts(MemoryStore s, Scope scope) {
    return s.list(scope).items().stream().map(Memory::text).toList();
  }

  @Test
  void addAsync_runsThePipelineOffTheCallersThread() throws Exception {
    AsyncMemoryStore a = async(2, 10, WhenFull.FAIL);
    CompletableFuture<AddResult> added = a.addAsync(ALICE, "I moved to Porto");
    pipeline.gate.release();
    AddResult r = await(added);
    assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
    assertEquals(1, pipeline.threads.size());
    Thread ran = pipeline.threads.iterator().next();
    assertNotSame(Thread.currentThread(), ran);
    assertTrue(ran.getName().startsWith("engram-async-"), ran.getName());
    List<SearchHit> hits = await(a.searchAsync(ALICE, "Porto"));
    assertTrue(
        hits.stream().anyMatch(h -> h.memory().text().equals("fact: I moved to Porto")),
        hits::toString);
  }

  @Test
  void fullQueue_FAIL_throwsAtOnce_namingTheSetting_andAcceptsAgainOnceThereIsRoom()
      throws Exception {
    AsyncMemoryStore a = async(1, 1, WhenFull.FAIL);
    CompletableFuture<AddResult> running = a.addAsync(ALICE, "one");
    pipeline.awaitStarted(1);
    CompletableFuture<AddResult> waiting = a.addAsync(ALICE, "two");
    assertEquals(2, a.pending());

    QueueFullException full =
        assertThrows(QueueFullException.class, () -> a.addAsync(ALICE, "three"));
    assertEquals(
        "the async queue is full: 1 calls are running and 1 waiting"
            + " (AsyncMemoryStore.Builder.queueCapacity = 1); wait for some futures to complete,"
            + " raise queueCapacity, or build with whenFull(WhenFull.BLOCK) to wait for room"
            + " instead",
        full.getMessage());
    assertThrows(QueueFullException.class, () -> a.searchAsync(ALICE, "one"));
    // Runs in the worker as the future completes: a caller woken by a future finds its room free.
    CompletableFuture<Integer> pendingWhenDone = waiting.thenApply(r -> a.pending());

    pipeline.gate.release(2);
    await(running);
    await(waiting);
    assertEquals(0, await(pendingWhenDone), "the finished call still held its room");
    assertEquals(0, a.pending());
    pipeline.gate.release();
    await(a.addAsync(ALICE, "four"));
    assertEquals(List.of("fact: one", "fact: two", "fact: four"), texts(a, ALICE));
  }

  @Test
  void fullQueue_BLOCK_waitsForRoom_thenAccepts() throws Exception {
    AsyncMemoryStore a = async(1, 1, WhenFull.BLOCK);
    CompletableFuture<AddResult> running = a.addAsync(ALICE, "one");
    pipeline.awaitStarted(1);
    CompletableFuture<AddResult> waiting = a.addAsync(ALICE, "two");

    AtomicReference<CompletableFuture<AddResult>> third = new AtomicReference<>();
    Thread caller = new Thread(() -> third.set(a.addAsync(ALICE, "three")), "blocked-caller");
    caller.start();
    awaitState(caller, Thread.State.WAITING);
    assertEquals(null, third.get(), "the third call returned although the queue was full");

    pipeline.gate.release(); // "one" finishes and frees room for "three"
    caller.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
    assertFalse(caller.isAlive(), "the blocked caller was never let in");
    pipeline.gate.release(2);
    await(running);
    await(waiting);
    await(third.get());
    assertEquals(List.of("fact: one", "fact: two", "fact: three"), texts(a, ALICE));
  }

  @Test
  void close_finishesEveryAcceptedCall_rejectsNewOnes_thenClosesTheStore() throws Exception {
    AsyncMemoryStore a = async(1, 10, WhenFull.FAIL);
    List<CompletableFuture<AddResult>> accepted = new ArrayList<>();
    for (String t : List.of("one", "two", "three")) {
      accepted.add(a.addAsync(ALICE, t));
    }
    pipeline.awaitStarted(1);

    Thread closer = new Thread(a::close, "closer");
    closer.start();
    awaitState(closer, Thread.State.TIMED_WAITING); // closed, waiting for the calls
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> a.addAsync(ALICE, "four"));
    assertEquals(
        "the AsyncMemoryStore is closed: it accepts no new calls (it finished those it had"
            + " accepted, then closed the store)",
        refused.getMessage());
    assertThrows(IllegalStateException.class, () -> a.searchAsync(ALICE, "one"));

    pipeline.gate.release(3);
    closer.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
    assertFalse(closer.isAlive(), "close never returned");
    for (CompletableFuture<AddResult> f : accepted) {
      assertTrue(f.isDone() && !f.isCompletedExceptionally(), f::toString);
      assertEquals(PipelineOutcome.Status.APPLIED, f.get().pipeline().status());
    }
    // The wrapped store was closed after the last call.
    assertEquals(
        "the memory store is closed",
        assertThrows(IllegalStateException.class, () -> store.list(ALICE)).getMessage());
  }

  @Test
  void whatTheStoreThrows_completesTheFutureExceptionally() throws Exception {
    AsyncMemoryStore a = async(2, 10, WhenFull.FAIL);
    CompletableFuture<AddResult> tooLong =
        a.addAsync(AddRequest.builder(ALICE).text("x".repeat(65)).infer(false).build());
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(tooLong));
    IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertTrue(cause.getMessage().startsWith("messages[0].text"), cause.getMessage());

    store.close(); // closed under the async store: each call fails through its future
    CompletableFuture<List<SearchHit>> search = a.searchAsync(ALICE, "anything");
    ExecutionException closed = assertThrows(ExecutionException.class, () -> await(search));
    assertEquals("the memory store is closed", closed.getCause().getMessage());
  }

  @Test
  void aFutureCancelledBeforeItsCallStarted_cancelsTheCall() throws Exception {
    AsyncMemoryStore a = async(1, 10, WhenFull.FAIL);
    CompletableFuture<AddResult> running = a.addAsync(ALICE, "one");
    pipeline.awaitStarted(1);
    CompletableFuture<AddResult> cancelled = a.addAsync(ALICE, "two");
    assertTrue(cancelled.cancel(false));
    pipeline.gate.release();
    await(running);
    assertThrows(CancellationException.class, cancelled::join);
    pipeline.gate.release();
    await(a.addAsync(ALICE, "three"));
    assertEquals(List.of("fact: one", "fact: three"), texts(a, ALICE));
  }

  @Test
  void concurrentAsyncCallsOfTwoUsers_neverSeeEachOthersMemories() throws Exception {
    AsyncMemoryStore a = async(4, 200, WhenFull.BLOCK);
    pipeline.gate.release(1_000);
    List<CompletableFuture<AddResult>> adds = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      adds.add(a.addAsync(ALICE, "alice secret number " + i));
      adds.add(a.addAsync(BOB, "bob hobby number " + i));
    }
    List<CompletableFuture<List<SearchHit>>> bobSearches = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      bobSearches.add(a.searchAsync(BOB, "alice secret number " + i));
    }
    for (CompletableFuture<AddResult> f : adds) {
      await(f);
    }
    for (CompletableFuture<List<SearchHit>> f : bobSearches) {
      for (SearchHit h : await(f)) {
        assertEquals(BOB, h.memory().scope(), h::toString);
      }
    }
    for (SearchHit h : await(a.searchAsync(BOB, "alice secret"))) {
      assertFalse(h.memory().text().contains("alice"), h::toString);
    }
    assertTrue(texts(a, ALICE).stream().noneMatch(t -> t.contains("bob")));
  }

  @Test
  void builderRejectsBadSettingsNamingThem() {
    assertEquals(
        "threads must be from 1 to 256, got 0",
        assertThrows(
                IllegalArgumentException.class, () -> AsyncMemoryStore.builder(store).threads(0))
            .getMessage());
    assertEquals(
        "queueCapacity must be from 0 to 1000000, got -1",
        assertThrows(
                IllegalArgumentException.class,
                () -> AsyncMemoryStore.builder(store).queueCapacity(-1))
            .getMessage());
    assertThrows(NullPointerException.class, () -> AsyncMemoryStore.builder(store).whenFull(null));
  }

  /** Waits until {@code t} is parked in {@code state} (it is blocked on what the test expects). */
  private static void awaitState(Thread t, Thread.State state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (t.getState() != state) {
      if (System.nanoTime() > deadline || !t.isAlive()) {
        throw new AssertionError(t.getName() + " never reached " + state + ": " + t.getState());
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
