package dev.engram.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.PipelineOutcome;
import dev.engram.llm.LlmPipeline;
import dev.engram.memory.Scope;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.pipeline.PipelineException;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PipelineUsage;
import dev.engram.pipeline.PlannedChange;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The meters a store and its LLM pipeline produce, read from a SimpleMeterRegistry. */
class EngramMetricsTest {
  private static final Scope ALICE = Scope.user("alice");
  private final MeterRegistry registry = new SimpleMeterRegistry();

  /** Plans one fact per add at a known cost; fails for a text that says "fail". */
  private static final MemoryPipeline PIPELINE =
      (input, context) -> {
        String text = input.messages().get(0).text();
        if (text.contains("fail")) {
          throw new PipelineException(
              "the model is down", new PipelineUsage(1, 10, 0, Duration.ofMillis(1)), null);
        }
        return new PipelinePlan(
            List.of(new PlannedChange.Add(MemoryDraft.fact("fact: " + text), "extracted")),
            new PipelineUsage(2, 100, 20, Duration.ofMillis(5)),
            List.of());
      };

  private long timerCount(String name, String outcome) {
    return registry.get(name).tags("store", "a", "outcome", outcome).timer().count();
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tags("store", "a").tags(tags).counter().count();
  }

  private double gauge(String name) {
    return registry.get(name).tags("store", "a").gauge().value();
  }

  @Test
  void addsSearchesPipelineCostFallbacksAndSize_areMetered() {
    MemoryStore store =
        Engram.builder()
            .pipeline(PIPELINE)
            .maxTextBytes(64)
            .recallFlushInterval(Duration.ofHours(1)) // recalls stay pending until close
            .observer(EngramMetrics.of(registry, Tags.of("store", "a")))
            .build();
    store.add(ALICE, "I moved to Porto");
    store.add(ALICE, "I keep bees");
    store.add(ALICE, "please fail now");
    store.add(AddRequest.builder(ALICE).text("verbatim").infer(false).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> store.add(AddRequest.builder(ALICE).text("x".repeat(65)).infer(false).build()));

    assertEquals(2, timerCount(EngramMetrics.ADD, "applied"));
    assertEquals(1, timerCount(EngramMetrics.ADD, "fell_back"));
    assertEquals(1, timerCount(EngramMetrics.ADD, "not_run"));
    assertEquals(1, timerCount(EngramMetrics.ADD, "error"));
    // What the failed run cost counts too.
    assertEquals(5, counter(EngramMetrics.PIPELINE_CALLS));
    assertEquals(210, counter(EngramMetrics.PIPELINE_TOKENS, "type", "input"));
    assertEquals(40, counter(EngramMetrics.PIPELINE_TOKENS, "type", "output"));
    assertEquals(1, counter(EngramMetrics.PIPELINE_FALLBACKS));

    // Two facts, the fallback's verbatim text, the verbatim add.
    assertEquals(4, gauge(EngramMetrics.MEMORIES));
    assertEquals(0, gauge(EngramMetrics.PENDING_REINFORCEMENT));
    int hits = store.search(ALICE, "Porto bees").size();
    assertTrue(hits > 0);
    assertEquals(1, timerCount(EngramMetrics.SEARCH, "ok"));
    double pending = gauge(EngramMetrics.PENDING_REINFORCEMENT);
    assertTrue(pending >= 1 && pending <= hits, "recalls waiting to be written: " + pending);

    store.close();
    assertThrows(IllegalStateException.class, () -> store.search(ALICE, "Porto"));
    assertEquals(1, timerCount(EngramMetrics.SEARCH, "error"));
    assertTrue(Double.isNaN(gauge(EngramMetrics.MEMORIES)), "a closed store has no size");
  }

  @Test
  void noMeterIsTaggedWithAUser() {
    MemoryStore store =
        Engram.builder().pipeline(PIPELINE).observer(EngramMetrics.of(registry)).build();
    store.add(ALICE, "I moved to Porto");
    store.search(ALICE, "Porto");
    registry
        .getMeters()
        .forEach(
            m ->
                m.getId()
                    .getTags()
                    .forEach(
                        t ->
                            assertTrue(
                                !t.getValue().contains("alice"), m.getId() + " names a user")));
    store.close();
  }

  @Test
  void aBrokenObserver_neverFailsTheCallItReports() {
    java.util.List<dev.engram.observe.AddSummary> told = new java.util.ArrayList<>();
    MemoryStore store =
        Engram.builder()
            .observer(
                new dev.engram.observe.StoreObserver() {
                  @Override
                  public void added(dev.engram.observe.AddSummary summary, Duration elapsed) {
                    told.add(summary);
                    throw new IllegalStateException("observer bug");
                  }
                })
            .build();
    assertEquals(1, store.add(ALICE, "still stored").added().size());
    assertEquals(
        java.util.List.of(
            new dev.engram.observe.AddSummary(
                dev.engram.observe.AddSummary.Pipeline.NOT_RUN,
                dev.engram.pipeline.PipelineUsage.NONE,
                1)),
        told);
    store.close();
  }

  /** A model whose every reply is unusable: each call fails, and the add falls back. */
  private static final class BrokenModel implements ChatModel {
    @Override
    public ChatResponse doChat(ChatRequest request) {
      return ChatResponse.builder().aiMessage(AiMessage.from("not json at all")).build();
    }
  }

  @Test
  void llmCallMetrics_countEachFailedModelCall_byStage() {
    MemoryStore store =
        Engram.builder()
            .pipeline(
                LlmPipeline.builder(new BrokenModel())
                    .listener(LlmCallMetrics.of(registry, Tags.of("store", "a")))
                    .build())
            .observer(EngramMetrics.of(registry, Tags.of("store", "a")))
            .build();
    assertEquals(
        PipelineOutcome.Status.FELL_BACK, store.add(ALICE, "I moved to Porto").pipeline().status());
    double failed = counter(LlmCallMetrics.FAILURES, "stage", "extract");
    assertTrue(failed >= 1, "failed extract calls: " + failed);
    assertEquals(
        (long) failed,
        registry
            .get(LlmCallMetrics.CALL)
            .tags("store", "a", "stage", "extract", "outcome", "failure")
            .timer()
            .count());
    assertEquals(1, counter(EngramMetrics.PIPELINE_FALLBACKS));
    assertEquals(0, counter(LlmCallMetrics.FAILURES, "stage", "consolidate"));
    store.close();
  }

  @Test
  void docSample_metersAStoreAndItsPipeline() {
    ChatModel chatModel = new BrokenModel();
    // docs/metrics.md
    MemoryStore store =
        Engram.builder()
            .pipeline(
                LlmPipeline.builder(chatModel)
                    .listener(LlmCallMetrics.of(registry, Tags.of("store", "assistant")))
                    .build())
            .observer(EngramMetrics.of(registry, Tags.of("store", "assistant")))
            .build();
    // end
    store.add(ALICE, "I moved to Porto");
    assertEquals(
        1,
        registry
            .get(EngramMetrics.ADD)
            .tags("store", "assistant", "outcome", "fell_back")
            .timer()
            .count());
    store.close();
  }
}
