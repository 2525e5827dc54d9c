package dev.engram.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.PipelineOutcome;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** How the store applies what a pipeline decides, and what it does when the pipeline fails. */
class PipelineSeamTest {
  private static final Scope ALICE = Scope.user("alice");
  private final ManualClock clock = new ManualClock(Instant.parse("2025-06-01T10:00:00Z"));

  private MemoryStore storeWith(BiFunction<PipelineInput, PipelineContext, PipelinePlan> plan) {
    MemoryPipeline pipeline = plan::apply;
    return Engram.builder().clock(clock).pipeline(pipeline).build();
  }

  private static PipelinePlan plan(PlannedChange... changes) {
    return new PipelinePlan(
        List.of(changes), new PipelineUsage(2, 100, 20, Duration.ofMillis(5)), List.of());
  }

  @Test
  void aContradictionInvalidatesTheOldFact_andAddsTheNewOneLinkedToIt() {
    List<MemoryId> old = new ArrayList<>();
    try (MemoryStore store =
        storeWith(
            (in, ctx) -> {
              MemoryDraft fact = MemoryDraft.fact("Alice lives in Porto");
              return plan(
                  new PlannedChange.Add(fact, "new fact"),
                  new PlannedChange.Invalidate(old.get(0), fact.id(), "moved"));
            })) {
      old.add(
          store
              .add(
                  AddRequest.builder(ALICE)
                      .text("Alice lives in Lisbon")
                      .observedAt(Instant.parse("2024-01-01T00:00:00Z"))
                      .infer(false)
                      .build())
              .added()
              .get(0)
              .id());
      Instant said = Instant.parse("2025-05-30T08:00:00Z");
      AddResult r =
          store.add(AddRequest.builder(ALICE).text("I moved to Porto").observedAt(said).build());

      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      assertEquals(2, r.pipeline().usage().llmCalls());
      Memory porto = r.added().get(0);
      assertEquals(Kind.SEMANTIC, porto.kind());
      assertEquals(Tier.LONG_TERM, porto.tier());
      assertEquals(said, porto.observedAt());
      assertEquals(List.of(new Link(old.get(0), Link.SUPERSEDES)), porto.links());
      Memory lisbon = store.get(ALICE, old.get(0)).orElseThrow();
      assertEquals(Status.INVALIDATED, lisbon.status());
      assertEquals(said, lisbon.validTo());
      assertEquals(
          List.of(EventType.ADD, EventType.INVALIDATE),
          r.events().stream().map(HistoryEvent::type).toList());
      assertEquals("pipeline", r.events().get(1).actor());
    }
  }

  @Test
  void aFailingPipelineKeepsTheRawMessages_andReportsWhy() {
    try (MemoryStore store =
        storeWith(
            (in, ctx) -> {
              throw new IllegalStateException("model returned prose instead of JSON");
            })) {
      AddResult r =
          store.add(
              AddRequest.builder(ALICE.withSession("s"))
                  .message(Message.user("My cat is called Miso").withId("m1"))
                  .message(Message.assistant("Nice name!").withId("m2"))
                  .build());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(
          "IllegalStateException: model returned prose instead of JSON", r.pipeline().detail());
      assertEquals(
          List.of("My cat is called Miso", "Nice name!"),
          r.added().stream().map(Memory::text).toList());
      assertEquals(Kind.EPISODIC, r.added().get(0).kind());
      assertEquals(List.of("m1"), r.added().get(0).sources());
      assertEquals(2, store.stats(ALICE).total());
    }
  }

  @Test
  void changesToUnknownOrForeignMemoriesNeverTouchThem_andNoFactIsLost() {
    List<MemoryId> bobs = new ArrayList<>();
    try (MemoryStore store =
        storeWith(
            (in, ctx) ->
                plan(
                    new PlannedChange.Add(MemoryDraft.fact("Alice likes tea"), ""),
                    new PlannedChange.Invalidate(bobs.get(0), null, "hallucinated id"),
                    PlannedChange.Update.text(MemoryId.random(), "x", ""),
                    new PlannedChange.AddLink(MemoryId.random(), Link.related(bobs.get(0)), "")))) {
      bobs.add(
          store
              .add(AddRequest.builder(Scope.user("bob")).text("Bob's fact").infer(false).build())
              .added()
              .get(0)
              .id());
      AddResult r = store.add(ALICE, "I like tea");
      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      assertEquals(
          List.of("Alice likes tea", "x"),
          r.added().stream().map(Memory::text).toList(),
          "the text of the update of an unknown memory is kept as a memory of its own");
      assertEquals(List.of(), r.added().get(1).links());
      assertEquals(3, r.pipeline().notes().size(), r.pipeline().notes().toString());
      assertEquals(Status.ACTIVE, store.get(Scope.user("bob"), bobs.get(0)).orElseThrow().status());
      assertEquals(1, store.history(Scope.user("bob"), bobs.get(0)).size());
    }
  }

  @Test
  void aLongReasonFromThePipelineIsShortened_andTheFactKept() {
    try (MemoryStore store =
        storeWith(
            (in, ctx) ->
                plan(
                    new PlannedChange.Add(
                        MemoryDraft.fact("Alice likes tea"), "r".repeat(5000))))) {
      AddResult r = store.add(ALICE, "I like tea");
      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      assertEquals(List.of("Alice likes tea"), r.added().stream().map(Memory::text).toList());
      assertEquals(HistoryEvent.MAX_REASON_LENGTH, r.events().get(0).reason().length());
    }
  }

  private static Memory addVerbatim(MemoryStore store, String text) {
    return store.add(AddRequest.builder(ALICE).text(text).infer(false).build()).added().get(0);
  }

  @Test
  void anUpdateOfAMemoryTheSamePlanInvalidates_isAddedAsANewFact_whateverTheOrder() {
    for (boolean updateFirst : List.of(false, true)) {
      List<MemoryId> target = new ArrayList<>();
      try (MemoryStore store =
          storeWith(
              (in, ctx) -> {
                MemoryDraft porto = MemoryDraft.fact("Alice lives in Porto");
                List<PlannedChange> contradiction =
                    List.of(
                        new PlannedChange.Add(porto, "fact 1"),
                        new PlannedChange.Invalidate(target.get(0), porto.id(), "fact 1"));
                PlannedChange refine =
                    PlannedChange.Update.text(target.get(0), "Alice lives by the sea", "fact 2");
                List<PlannedChange> changes = new ArrayList<>(contradiction);
                changes.add(updateFirst ? 0 : changes.size(), refine);
                return new PipelinePlan(changes, PipelineUsage.NONE, List.of());
              })) {
        target.add(addVerbatim(store, "Alice lives in Lisbon").id());
        AddResult r = store.add(ALICE, "I moved to Porto, by the sea");
        Memory lisbon = store.get(ALICE, target.get(0)).orElseThrow();
        assertEquals(Status.INVALIDATED, lisbon.status());
        assertEquals("Alice lives in Lisbon", lisbon.text(), "update first: " + updateFirst);
        List<Memory> added = r.added();
        assertEquals(
            Set.of("Alice lives in Porto", "Alice lives by the sea"),
            added.stream().map(Memory::text).collect(Collectors.toSet()));
        Memory sea = added.stream().filter(m -> m.text().contains("sea")).findFirst().orElseThrow();
        assertEquals(Status.ACTIVE, store.get(ALICE, sea.id()).orElseThrow().status());
        assertEquals(List.of(Link.related(lisbon.id())), sea.links());
      }
    }
  }

  @Test
  void twoUpdatesOfOneMemory_keepBothTexts() {
    List<MemoryId> target = new ArrayList<>();
    try (MemoryStore store =
        storeWith(
            (in, ctx) ->
                plan(
                    PlannedChange.Update.text(target.get(0), "Alice has two cats", "fact 1"),
                    PlannedChange.Update.text(
                        target.get(0), "Alice's cats are tabbies", "fact 2")))) {
      target.add(addVerbatim(store, "Alice has a cat").id());
      AddResult r = store.add(ALICE, "I have two cats now, both tabbies");
      assertEquals("Alice has two cats", store.get(ALICE, target.get(0)).orElseThrow().text());
      assertEquals(
          List.of("Alice's cats are tabbies"), r.added().stream().map(Memory::text).toList());
      assertEquals(
          List.of(EventType.UPDATE, EventType.ADD),
          r.events().stream().map(HistoryEvent::type).toList());
    }
  }

  @Test
  void anUpdateOfAMemoryDeletedOrPurgedDuringTheModelCall_isAddedInstead() {
    for (boolean purge : List.of(false, true)) {
      List<MemoryId> target = new ArrayList<>();
      List<MemoryStore> self = new ArrayList<>();
      try (MemoryStore store =
          storeWith(
              (in, ctx) -> {
                // Another caller changes the memory while the model thinks.
                if (purge) {
                  self.get(0).purge(ALICE, target.get(0));
                } else {
                  self.get(0).delete(ALICE, target.get(0), "user asked");
                }
                return plan(
                    PlannedChange.Update.text(target.get(0), "Alice works at Acme as CTO", ""));
              })) {
        self.add(store);
        target.add(addVerbatim(store, "Alice works at Acme").id());
        AddResult r = store.add(ALICE, "I became CTO at Acme");
        assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
        assertEquals(
            List.of("Alice works at Acme as CTO"), r.added().stream().map(Memory::text).toList());
        assertEquals(Status.ACTIVE, store.get(ALICE, r.added().get(0).id()).orElseThrow().status());
        assertEquals(List.of(), r.added().get(0).links(), "purge " + purge);
        assertTrue(
            r.pipeline().notes().stream().anyMatch(n -> n.contains("added as memory")),
            r.pipeline().notes().toString());
      }
    }
  }

  @Test
  void sourcesOfTheRequest_andGeneratedMessageIds_areRecordedOnWhatThePlanStores() {
    List<MemoryId> target = new ArrayList<>();
    List<PipelineInput> seen = new ArrayList<>();
    try (MemoryStore store =
        storeWith(
            (in, ctx) -> {
              seen.add(in);
              MemoryDraft d = MemoryDraft.fact("Alice's flight is on Friday");
              d =
                  new MemoryDraft(
                      d.id(),
                      d.text(),
                      d.kind(),
                      d.tier(),
                      d.importance(),
                      d.strength(),
                      d.keywords(),
                      d.tags(),
                      d.context(),
                      d.metadata(),
                      List.of(in.messages().get(0).id()),
                      null,
                      List.of());
              return plan(
                  new PlannedChange.Add(d, ""),
                  new PlannedChange.Update(
                      target.get(0),
                      null,
                      null,
                      List.of("travel"),
                      null,
                      null,
                      java.util.Map.of(),
                      List.of(),
                      ""));
            })) {
      target.add(addVerbatim(store, "Alice is going to Madrid").id());
      AddResult r =
          store.add(
              AddRequest.builder(ALICE).text("my flight is on Friday").source("email-42").build());
      String messageId = seen.get(0).messages().get(0).id();
      assertTrue(messageId != null && !messageId.isBlank(), "an id-less message gets an id");
      assertEquals(List.of("email-42"), seen.get(0).sources());
      assertEquals(List.of(messageId, "email-42"), r.added().get(0).sources());
      assertEquals(List.of("email-42"), store.get(ALICE, target.get(0)).orElseThrow().sources());
    }
  }

  @Test
  void aFailingPipeline_storesTheRawMessagesWithTheIdsItWasShown() {
    List<PipelineInput> seen = new ArrayList<>();
    try (MemoryStore store =
        storeWith(
            (in, ctx) -> {
              seen.add(in);
              throw new IllegalStateException("model down");
            })) {
      AddResult r =
          store.add(AddRequest.builder(ALICE).text("remember the milk").source("note-1").build());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(
          List.of(seen.get(0).messages().get(0).id(), "note-1"), r.added().get(0).sources());
    }
  }

  @Test
  void aPlanWithNoUsableMemoryFallsBackToTheRawMessages() {
    try (MemoryStore store =
        storeWith((in, ctx) -> plan(new PlannedChange.Add(MemoryDraft.fact(" "), "")))) {
      AddResult r = store.add(ALICE, "Remember that my PIN hint is 'blue'");
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(
          List.of("Remember that my PIN hint is 'blue'"),
          r.added().stream().map(Memory::text).toList());
    }
  }

  @Test
  void anUpdateKeepsTheOldTextInHistory() {
    List<MemoryId> target = new ArrayList<>();
    try (MemoryStore store =
        storeWith(
            (in, ctx) ->
                plan(
                    PlannedChange.Update.text(
                        target.get(0), "Alice has two cats", "she got another")))) {
      target.add(
          store
              .add(AddRequest.builder(ALICE).text("Alice has a cat").infer(false).build())
              .added()
              .get(0)
              .id());
      AddResult r = store.add(ALICE, "I got a second cat");
      HistoryEvent update = r.events().get(0);
      assertEquals(EventType.UPDATE, update.type());
      assertEquals("Alice has a cat", update.before().text());
      assertEquals("Alice has two cats", store.get(ALICE, target.get(0)).orElseThrow().text());
    }
  }

  @Test
  void anUpdateRaisingImportancePromotes_withAPromoteEvent() {
    List<MemoryId> target = new ArrayList<>();
    try (MemoryStore store =
        storeWith(
            (in, ctx) ->
                plan(
                    new PlannedChange.Update(
                        target.get(0),
                        null,
                        null,
                        null,
                        null,
                        0.95,
                        java.util.Map.of(),
                        List.of(),
                        "matters a lot")))) {
      target.add(
          store
              .add(AddRequest.builder(ALICE).text("Alice has asthma").infer(false).build())
              .added()
              .get(0)
              .id());
      AddResult r = store.add(ALICE, "my asthma got worse");
      assertEquals(
          List.of(EventType.UPDATE, EventType.PROMOTE),
          r.events().stream().map(HistoryEvent::type).toList());
      assertEquals(Tier.LONG_TERM, store.get(ALICE, target.get(0)).orElseThrow().tier());
    }
  }

  @Test
  void concurrentAddsForOneScopeRunThePipelineOneAtATime() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    try (MemoryStore store =
        storeWith(
            (in, ctx) -> {
              maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
              try {
                Thread.sleep(5);
                List<PlannedChange> changes = new ArrayList<>();
                // A pipeline that deduplicates against what exists: racing adds would duplicate.
                String fact = "fact: " + in.messages().get(0).text();
                boolean known = ctx.similar(fact, 5).stream().anyMatch(h -> h.text().equals(fact));
                if (!known) {
                  changes.add(new PlannedChange.Add(MemoryDraft.fact(fact), ""));
                }
                return new PipelinePlan(
                    changes, PipelineUsage.NONE, known ? List.of("known") : List.of());
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              } finally {
                inside.decrementAndGet();
              }
            })) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<AddResult>> futures = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String text = "likes " + (i % 4);
        futures.add(pool.submit(() -> store.add(ALICE, text)));
      }
      for (Future<AddResult> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertEquals(1, maxInside.get());
      assertEquals(4, store.stats(ALICE).total(), "no duplicate facts");
    }
  }

  @Test
  void inferWithoutAPipeline_isAClearError() {
    try (MemoryStore store = Engram.inMemory()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> store.add(AddRequest.builder(ALICE).text("x").infer(true).build()));
      assertTrue(e.getMessage().startsWith("infer(true) needs a pipeline"));
      assertEquals(
          PipelineOutcome.Status.NOT_RUN,
          store.consolidate(ALICE.withSession("s")).pipeline().status());
    }
  }

  @Test
  void consolidateHandsTheSessionsEpisodesToThePipeline() {
    MemoryPipeline pipeline =
        new MemoryPipeline() {
          @Override
          public PipelinePlan plan(PipelineInput input, PipelineContext context) {
            throw new UnsupportedOperationException();
          }

          @Override
          public PipelinePlan consolidate(
              Scope scope, List<Memory> episodes, PipelineContext context) {
            String summary =
                "Session summary: "
                    + String.join(" / ", episodes.stream().map(Memory::text).toList());
            List<Link> links =
                episodes.stream().map(e -> new Link(e.id(), Link.DERIVED_FROM)).toList();
            MemoryDraft d = MemoryDraft.fact(summary);
            d =
                new MemoryDraft(
                    d.id(),
                    d.text(),
                    d.kind(),
                    d.tier(),
                    0.7,
                    1,
                    List.of(),
                    List.of(),
                    "",
                    java.util.Map.of(),
                    List.of(),
                    null,
                    links);
            return PipelineSeamTest.plan(new PlannedChange.Add(d, "consolidated"));
          }
        };
    try (MemoryStore store =
        Engram.builder().clock(clock).pipeline(pipeline).inferByDefault(false).build()) {
      Scope session = ALICE.withSession("s1");
      store.add(session, "hello");
      store.add(session, "I start a new job on Monday");
      store.add(ALICE.withSession("s2"), "other session");
      AddResult r = store.consolidate(session);
      assertEquals("Session summary: hello / I start a new job on Monday", r.added().get(0).text());
      assertEquals(2, r.added().get(0).links().size());
    }
  }

  /** A pipeline whose consolidation summarises the episodes it is given, and records them. */
  private static MemoryPipeline summariser(List<List<Memory>> calls) {
    return new MemoryPipeline() {
      @Override
      public PipelinePlan plan(PipelineInput input, PipelineContext context) {
        throw new UnsupportedOperationException();
      }

      @Override
      public PipelinePlan consolidate(Scope scope, List<Memory> episodes, PipelineContext context) {
        calls.add(episodes);
        return PipelineSeamTest.plan(
            new PlannedChange.Add(
                MemoryDraft.fact("summary of " + episodes.size() + " episodes"), "consolidated"));
      }
    };
  }

  @Test
  void consolidateAgain_summarisesOnlyWhatCameSince() {
    List<List<Memory>> calls = new ArrayList<>();
    try (MemoryStore store =
        Engram.builder().clock(clock).pipeline(summariser(calls)).inferByDefault(false).build()) {
      Scope session = ALICE.withSession("s1");
      store.add(session, "hello", "I start a new job on Monday");
      AddResult first = store.consolidate(session);
      assertEquals(PipelineOutcome.Status.APPLIED, first.pipeline().status());
      assertEquals(
          PipelineOutcome.Status.NOT_RUN,
          store.consolidate(session).pipeline().status(),
          "nothing new to summarise");
      store.add(session, "the job is in Berlin");
      store.consolidate(session);
      assertEquals(
          List.of(List.of("hello", "I start a new job on Monday"), List.of("the job is in Berlin")),
          calls.stream().map(c -> c.stream().map(Memory::text).toList()).toList());
      Memory episode = calls.get(0).get(0);
      assertEquals(
          clock.instant().toEpochMilli(),
          store
              .get(session, episode.id())
              .orElseThrow()
              .metadata()
              .get(MemoryStore.CONSOLIDATED_AT));
    }
  }

  @Test
  void consolidate_handsALongSessionOverInBatches() {
    List<List<Memory>> calls = new ArrayList<>();
    try (MemoryStore store =
        Engram.builder().clock(clock).pipeline(summariser(calls)).inferByDefault(false).build()) {
      Scope session = ALICE.withSession("long");
      AddRequest.Builder turns = AddRequest.builder(session);
      for (int i = 0; i < 2 * MemoryStore.CONSOLIDATION_BATCH_EPISODES + 10; i++) {
        turns.text("turn " + i);
      }
      store.add(turns.build());
      store.add(session, "x".repeat(1000));
      AddResult r = store.consolidate(session);
      assertEquals(
          List.of(
              MemoryStore.CONSOLIDATION_BATCH_EPISODES,
              MemoryStore.CONSOLIDATION_BATCH_EPISODES,
              11),
          calls.stream().map(List::size).toList());
      assertEquals(3, r.added().size());
      assertEquals(6, r.pipeline().usage().llmCalls(), "the usage of every batch");
      for (List<Memory> call : calls) {
        assertTrue(
            call.stream().mapToInt(m -> m.text().length()).sum()
                <= MemoryStore.CONSOLIDATION_BATCH_CHARS);
      }
    }
  }

  @Test
  void consolidate_thatFails_reportsWhatItSpent_andLeavesTheEpisodesForAnotherTry() {
    AtomicInteger attempts = new AtomicInteger();
    MemoryPipeline failing =
        new MemoryPipeline() {
          @Override
          public PipelinePlan plan(PipelineInput input, PipelineContext context) {
            throw new UnsupportedOperationException();
          }

          @Override
          public PipelinePlan consolidate(
              Scope scope, List<Memory> episodes, PipelineContext context) {
            attempts.incrementAndGet();
            throw new PipelineException(
                "the model kept answering prose",
                new PipelineUsage(3, 900, 120, Duration.ofSeconds(2)),
                null);
          }
        };
    try (MemoryStore store =
        Engram.builder().clock(clock).pipeline(failing).inferByDefault(false).build()) {
      Scope session = ALICE.withSession("s1");
      store.add(session, "hello");
      AddResult r = store.consolidate(session);
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(new PipelineUsage(3, 900, 120, Duration.ofSeconds(2)), r.pipeline().usage());
      assertEquals(
          PipelineOutcome.Status.FELL_BACK, store.consolidate(session).pipeline().status());
      assertEquals(2, attempts.get(), "the episodes are handed over again");
    }
  }

  @Test
  void idleSessionsAreConsolidated_onceTheyHaveBeenQuietLongEnough_byTheStoresClock() {
    List<List<Memory>> calls = new ArrayList<>();
    try (DefaultMemoryStore store =
        (DefaultMemoryStore)
            Engram.builder()
                .clock(clock)
                .pipeline(summariser(calls))
                .inferByDefault(false)
                .consolidateIdleSessions(Duration.ofMinutes(30))
                .build()) {
      store.add(ALICE.withSession("s1"), "first session");
      clock.advance(Duration.ofMinutes(20));
      store.add(ALICE.withSession("s2"), "second session");
      store.add(ALICE, "no session");
      clock.advance(Duration.ofMinutes(15));

      assertEquals(1, store.consolidateIdleSessions());
      assertEquals(
          List.of(List.of("first session")),
          calls.stream().map(c -> c.stream().map(Memory::text).toList()).toList());
      assertEquals(0, store.consolidateIdleSessions(), "s2 is still active, s1 is done");
      clock.advance(Duration.ofMinutes(20));
      assertEquals(1, store.consolidateIdleSessions());
      assertEquals("second session", calls.get(1).get(0).text());
    }
    assertEquals(
        "consolidateIdleSessions needs a pipeline",
        assertThrows(
                IllegalArgumentException.class,
                () -> Engram.builder().consolidateIdleSessions(Duration.ofMinutes(1)).build())
            .getMessage());
    assertEquals(Duration.ofSeconds(1), Pipelines.consolidationCheckPeriod(Duration.ofSeconds(2)));
    assertEquals(Duration.ofMinutes(15), Pipelines.consolidationCheckPeriod(Duration.ofDays(1)));
  }
}
