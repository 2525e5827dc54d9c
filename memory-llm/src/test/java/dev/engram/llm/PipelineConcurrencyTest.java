package dev.engram.llm;

import static dev.engram.llm.LlmPipelineTest.OWNER;
import static dev.engram.llm.LlmPipelineTest.decision;
import static dev.engram.llm.LlmPipelineTest.facts;
import static dev.engram.llm.LlmPipelineTest.said;
import static dev.engram.llm.LlmPipelineTest.seed;
import static dev.engram.llm.LlmPipelineTest.texts;
import static dev.engram.llm.ScriptedChatModel.isExtract;
import static dev.engram.llm.ScriptedChatModel.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddResult;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.PageRequest;
import dev.engram.PipelineOutcome;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.memory.Memory;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two adds for one owner at once. Each add's extraction is held until the other add has either
 * reached the model too (the runs overlap) or is blocked on a lock inside the store — so a store
 * that did not serialise pipeline runs per owner would overlap here every time, whatever the
 * timing. (The timeout only turns a hang into a failure, should the store's locking ever change.)
 */
@Timeout(120)
class PipelineConcurrencyTest {

  /** Holds each extraction until the other adder has reached the model or blocks in the store. */
  private static final class OverlapGate {
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();
    final Set<Thread> adders = ConcurrentHashMap.newKeySet();
    final Set<Thread> passed = ConcurrentHashMap.newKeySet();

    String around(ChatRequest request, Function<ChatRequest, String> extract) {
      mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
      try {
        for (Thread other : adders) {
          while (other != Thread.currentThread()
              && inside.get() < 2
              && !passed.contains(other)
              && !blockedInStore(other)) {
            Thread.sleep(1);
          }
        }
        return extract.apply(request);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } finally {
        passed.add(Thread.currentThread());
        inside.decrementAndGet();
      }
    }

    /** Waiting for a lock (a java.util.concurrent one, or a monitor) taken by the store itself. */
    private static boolean blockedInStore(Thread t) {
      Thread.State state = t.getState();
      boolean parked = state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
      if (!parked && state != Thread.State.BLOCKED) {
        return false;
      }
      boolean inLock = state == Thread.State.BLOCKED;
      for (StackTraceElement f : t.getStackTrace()) {
        String c = f.getClassName();
        if (c.startsWith("java.util.concurrent.locks.")) {
          inLock = true;
        } else if (!c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.")) {
          return inLock && c.startsWith("dev.engram.internal.");
        }
      }
      return false;
    }

    /** Runs both adds, each on its own thread, and returns their results. */
    List<AddResult> run(MemoryStore store, String first, String second) throws Exception {
      List<AddResult> results = new CopyOnWriteArrayList<>();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (String text : List.of(first, second)) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    results.add(store.add(said(text)));
                  } catch (Throwable e) {
                    failures.add(e);
                  }
                });
        threads.add(t);
        adders.add(t);
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(List.of(), failures);
      return results;
    }
  }

  @Test
  void theSameFactAddedTwiceAtOnce_isStoredOnce() throws Exception {
    OverlapGate gate = new OverlapGate();
    ScriptedChatModel model =
        new ScriptedChatModel(
            r -> {
              if (isExtract(r)) {
                return gate.around(r, x -> facts("Alice's favourite colour is green"));
              }
              String existing = user(r).substring(0, user(r).indexOf("NEW FACTS:"));
              boolean known = existing.contains("\"text\":\"Alice's favourite colour is green\"");
              return known ? decision("NONE", "0", "") : decision("ADD", "", "");
            });
    try (MemoryStore store =
        Engram.builder().pipeline(LlmPipeline.builder(model).keepEpisodes(false).build()).build()) {
      seed(store, "Alice was born in Braga"); // makes consolidation run from the first add
      List<AddResult> results =
          gate.run(store, "green is my favourite colour", "my favourite colour? green");

      assertEquals(1, gate.mostInside.get(), "two adds of one owner ran their pipelines at once");
      results.forEach(r -> assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status()));
      assertEquals(
          List.of("Alice's favourite colour is green"),
          texts(store.list(OWNER, Filter.contains("text", "green"), PageRequest.first()).items()));
    }
  }

  private static final Pattern FIRST_MEMORY = Pattern.compile("\"id\":\"0\",\"text\":\"([^\"]*)\"");
  private static final Pattern FIRST_FACT = Pattern.compile("\"fact\":1,\"text\":\"([^\"]*)\"");

  private static String group(Pattern p, String s) {
    Matcher m = p.matcher(s);
    assertTrue(m.find(), s);
    return m.group(1);
  }

  @Test
  void twoUpdatesOfOneMemoryAtOnce_bothSurvive() throws Exception {
    OverlapGate gate = new OverlapGate();
    ScriptedChatModel model =
        new ScriptedChatModel(
            r -> {
              if (isExtract(r)) {
                String said = user(r).contains("margherita") ? "margherita" : "pepperoni";
                return gate.around(r, x -> facts("Alice also likes " + said));
              }
              // Merges the fact into the memory as the prompt shows it: a stale read loses one.
              String merged = group(FIRST_MEMORY, user(r)) + "; " + group(FIRST_FACT, user(r));
              return decision("UPDATE", "0", merged);
            });
    try (MemoryStore store =
        Engram.builder().pipeline(LlmPipeline.builder(model).keepEpisodes(false).build()).build()) {
      Memory pizza = seed(store, "Alice likes pizza");
      gate.run(store, "I love margherita", "pepperoni is great too");

      assertEquals(1, gate.mostInside.get(), "two adds of one owner ran their pipelines at once");
      String text = store.get(OWNER, pizza.id()).orElseThrow().text();
      assertTrue(text.contains("Alice also likes margherita"), text);
      assertTrue(text.contains("Alice also likes pepperoni"), text);
      assertEquals(
          2,
          store.history(OWNER, pizza.id()).stream()
              .filter(e -> e.type() == EventType.UPDATE)
              .count());
    }
  }
}
