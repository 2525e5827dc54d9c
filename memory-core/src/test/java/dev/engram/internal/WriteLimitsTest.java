package dev.engram.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.PipelineOutcome;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PipelineUsage;
import dev.engram.pipeline.PlannedChange;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, item 1: limits on what one add may write are enforced before anything is written, name
 * the limit, and a pipeline's runaway plan falls back to storing the messages verbatim.
 */
class WriteLimitsTest {
  private static final Scope ALICE = Scope.user("alice");
  private static final Scope BOB = Scope.user("bob");

  /** The probe's add: 63 metadata keys, each a 256-element list of 4,096-character strings. */
  private static Map<String, Object> hugeMetadata() {
    Map<String, Object> m = new LinkedHashMap<>();
    String big = "x".repeat(4096);
    for (int k = 0; k < 63; k++) {
      m.put("k" + k, Collections.nCopies(256, big));
    }
    return m;
  }

  @Test
  void anAddWithinTheMetadataLimitsButHuge_isRejectedNamingTheLimit_andNothingIsWritten() {
    try (MemoryStore store = Engram.inMemory()) {
      store.add(BOB, "bob's memory written before");
      AddRequest request =
          AddRequest.builder(ALICE)
              .text("one")
              .text("two")
              .text("three")
              .metadata(hugeMetadata())
              .infer(false)
              .build();
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> store.add(request));
      assertEquals(
          "the add would store 198181412 bytes (its messages' text, and the request's metadata,"
              + " tags and sources on each of its 3 messages); the limit is 4194304"
              + " (Engram.Builder.maxAddBytes)",
          e.getMessage());
      assertEquals(0, store.stats(ALICE).total());
      assertEquals(1, store.stats(BOB).total());
    }
  }

  @Test
  void tooManyMessagesInOneAdd_isRejectedNamingTheLimit() {
    AddRequest.Builder b = AddRequest.builder(ALICE);
    for (int i = 0; i <= AddRequest.MAX_MESSAGES; i++) {
      b.text("m" + i);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertEquals(
        "messages has 10001 entries; at most 10000 are allowed in one add"
            + " (AddRequest.MAX_MESSAGES)",
        e.getMessage());
  }

  @Test
  void anUpdateMakingAMemoryTooLarge_isRejectedNamingTheLimit() {
    try (MemoryStore store = Engram.builder().maxAddBytes(1024).build()) {
      Memory m = store.add(ALICE, "short").added().get(0);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  store.update(
                      ALICE,
                      m.id(),
                      MemoryUpdate.builder().metadata(Map.of("k", "v".repeat(2000))).build()));
      assertEquals(
          "the memory would hold 2006 bytes of text, metadata, keywords, tags and sources; the"
              + " limit is 1024 (Engram.Builder.maxAddBytes)",
          e.getMessage());
      assertEquals("short", store.get(ALICE, m.id()).orElseThrow().text());
    }
  }

  @Test
  void aPipelinePlanningTooManyFacts_fallsBackToTheVerbatimMessages() {
    MemoryPipeline runaway =
        (in, ctx) -> {
          List<PlannedChange> changes = new ArrayList<>();
          for (int i = 0; i < 2000; i++) {
            changes.add(new PlannedChange.Add(MemoryDraft.fact("fact " + i), "extracted"));
          }
          return new PipelinePlan(changes, PipelineUsage.NONE, List.of());
        };
    try (MemoryStore store = Engram.builder().pipeline(runaway).build()) {
      AddResult r = store.add(ALICE, "my passport number is X1234567");
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(
          "the pipeline planned 2000 memories; at most 100 may come from one add"
              + " (Engram.Builder.maxFactsPerAdd)",
          r.pipeline().detail());
      assertEquals(
          List.of("my passport number is X1234567"),
          store.list(ALICE).items().stream().map(Memory::text).toList());
    }
  }

  @Test
  void aPipelinePlanningAnOversizedFact_fallsBackInsteadOfDroppingIt() {
    MemoryPipeline oversized =
        (in, ctx) ->
            new PipelinePlan(
                List.of(
                    new PlannedChange.Add(MemoryDraft.fact("a short fact"), "extracted"),
                    new PlannedChange.Add(MemoryDraft.fact("y".repeat(2000)), "extracted")),
                PipelineUsage.NONE,
                List.of());
    try (MemoryStore store = Engram.builder().maxTextBytes(1024).pipeline(oversized).build()) {
      AddResult r = store.add(ALICE, "what the user said");
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(
          "a planned memory's text is 2000 bytes of UTF-8; the limit is 1024"
              + " (Engram.Builder.maxTextBytes)",
          r.pipeline().detail());
      assertEquals(
          List.of("what the user said"),
          store.list(ALICE).items().stream().map(Memory::text).toList());
    }
  }

  @Test
  void aPipelinePlanOverTheByteLimit_fallsBack() {
    MemoryPipeline bulky =
        (in, ctx) -> {
          List<PlannedChange> changes = new ArrayList<>();
          for (int i = 0; i < 10; i++) {
            changes.add(new PlannedChange.Add(MemoryDraft.fact("z".repeat(200) + i), "x"));
          }
          return new PipelinePlan(changes, PipelineUsage.NONE, List.of());
        };
    try (MemoryStore store = Engram.builder().maxAddBytes(1024).pipeline(bulky).build()) {
      AddResult r = store.add(ALICE, "said once");
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(
          "the pipeline's plan would store 2010 bytes; the limit is 1024"
              + " (Engram.Builder.maxAddBytes)",
          r.pipeline().detail());
      assertEquals(1, store.stats(ALICE).total());
    }
  }

  @Test
  void theLimitSetters_rejectValuesOutOfRange() {
    assertEquals(
        "maxAddBytes must be between 1024 and 16777216, got 10",
        assertThrows(IllegalArgumentException.class, () -> Engram.builder().maxAddBytes(10))
            .getMessage());
    assertEquals(
        "maxFactsPerAdd must be between 1 and 10000, got 0",
        assertThrows(IllegalArgumentException.class, () -> Engram.builder().maxFactsPerAdd(0))
            .getMessage());
  }
}
