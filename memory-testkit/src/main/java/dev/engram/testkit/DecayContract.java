package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MaintenanceReport;
import dev.engram.MemoryUpdate;
import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PipelineUsage;
import dev.engram.pipeline.PlannedChange;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Decay and tiers under a manual clock: forgetting, archiving, promotion by recall and importance,
 * and the bounded working memory; reads and maintenance agree.
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class DecayContract extends StoreContract {
  // tiers

  @Test
  void decay_anUnusedShortTermMemoryIsArchived_readsAndMaintenanceAgree() {
    Memory m = addOne(ALICE, "Alice mentioned a podcast about bees");
    DecayPolicy policy = decayPolicy();
    Instant deadline = policy.archiveDeadline(m);
    clock.set(deadline.minusSeconds(1));
    assertEquals(Status.ACTIVE, store.get(ALICE, m.id()).orElseThrow().status());
    assertEquals(1, store.search(query(ALICE, "podcast bees").build()).size());

    clock.set(deadline.plus(Duration.ofDays(1)));
    Memory lazily = store.get(ALICE, m.id()).orElseThrow();
    assertEquals(Status.ARCHIVED, lazily.status());
    assertEquals(deadline, lazily.updatedAt(), "dated when retention crossed the threshold");
    assertTrue(store.search(query(ALICE, "podcast bees").build()).isEmpty());
    assertEquals(
        1, store.search(query(ALICE, "podcast bees").includeArchived(true).build()).size());
    assertEquals(
        List.of(lazily), listAll(ALICE, Filter.all()), "archived memories are still listed");

    MaintenanceReport report = store.maintain();
    assertEquals(1, report.archived());
    assertEquals(
        lazily,
        store.get(ALICE, m.id()).orElseThrow(),
        "maintenance persists exactly what reads showed");
    List<HistoryEvent> h = store.history(ALICE, m.id());
    assertEquals(EventType.ARCHIVE, h.get(h.size() - 1).type());
    assertEquals(0, store.maintain().archived(), "maintenance is idempotent");
    assertEquals(1, store.stats(ALICE).byStatus().get(Status.ARCHIVED));

    Memory restored = store.restore(ALICE, m.id(), "asked about bees again");
    assertEquals(Status.ACTIVE, restored.status());
    assertEquals(
        clock.instant(), restored.lastAccessedAt(), "restoring restarts the forgetting curve");
    assertEquals(1, store.search(query(ALICE, "podcast bees").build()).size());
  }

  @Test
  void decay_recalledMemoriesFadeMoreSlowly() {
    Memory recalled = addOne(ALICE, "Alice's locker code is 4412");
    Memory ignored = addOne(ALICE, "Alice's gym is on Rua Augusta");
    store.search(SearchRequest.builder(ALICE, "locker code").limit(1).build());
    clock.advance(Duration.ofDays(12));
    assertEquals(Status.ACTIVE, store.get(ALICE, recalled.id()).orElseThrow().status());
    assertEquals(Status.ARCHIVED, store.get(ALICE, ignored.id()).orElseThrow().status());
    DecayPolicy p = decayPolicy();
    Instant now = clock.instant();
    assertTrue(
        p.retention(store.get(ALICE, recalled.id()).orElseThrow(), now)
            > p.retention(Tier.SHORT_TERM, 1, T0, now));
  }

  @Test
  void tiers_recallPromotesShortTermToLongTerm() {
    Memory m = addOne(ALICE, "Alice's daughter is Sofia");
    for (int i = 0; i < decayPolicy().promoteAfterRecalls(); i++) {
      clock.advance(Duration.ofHours(1));
      assertEquals(1, store.search(SearchRequest.builder(ALICE, "daughter Sofia").build()).size());
    }
    Memory after = store.get(ALICE, m.id()).orElseThrow();
    assertEquals(Tier.LONG_TERM, after.tier());
    HistoryEvent promote = store.history(ALICE, m.id()).get(1);
    assertEquals(EventType.PROMOTE, promote.type());
    assertEquals(Tier.SHORT_TERM, promote.before().tier());
    assertEquals(Tier.LONG_TERM, promote.after().tier());
  }

  @Test
  void tiers_importantMemoriesGoStraightToLongTerm() {
    Memory m = addOne(AddRequest.builder(ALICE).text("Alice is diabetic").importance(0.95));
    assertEquals(Tier.LONG_TERM, m.tier());
    clock.advance(Duration.ofDays(60));
    assertEquals(Status.ACTIVE, store.get(ALICE, m.id()).orElseThrow().status());
  }

  @Test
  void tiers_raisingImportancePromotes_unlessTheUpdateNamesATier() {
    Memory m = addOne(ALICE, "Alice is learning Portuguese");
    Memory kept = addOne(ALICE, "Alice is learning the guitar");
    clock.advance(Duration.ofMinutes(1));
    Memory promoted = store.update(ALICE, m.id(), MemoryUpdate.builder().importance(0.9).build());
    assertEquals(Tier.LONG_TERM, promoted.tier());
    assertEquals(promoted, store.get(ALICE, m.id()).orElseThrow());
    List<HistoryEvent> h = store.history(ALICE, m.id());
    assertEquals(
        List.of(EventType.ADD, EventType.UPDATE, EventType.PROMOTE),
        h.stream().map(HistoryEvent::type).toList());
    assertEquals(Tier.SHORT_TERM, h.get(2).before().tier());
    assertEquals(h.get(1).after(), h.get(2).before());

    Memory asked =
        store.update(
            ALICE, kept.id(), MemoryUpdate.builder().importance(0.9).tier(Tier.SHORT_TERM).build());
    assertEquals(Tier.SHORT_TERM, asked.tier(), "an explicit tier wins");
  }

  @Test
  void tiers_workingMemoryIsBoundedPerSession_oldestMovesToShortTerm() {
    Scope session = ALICE.withSession("chat-1");
    List<Memory> added = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      added.add(addOne(AddRequest.builder(session).text("turn " + i).tier(Tier.WORKING)));
      clock.advance(Duration.ofSeconds(10));
    }
    addOne(
        AddRequest.builder(ALICE.withSession("chat-2")).text("other session").tier(Tier.WORKING));
    int capacity = decayPolicy().workingCapacity();
    List<Memory> working = listAll(session, Filter.eq("tier", Tier.WORKING));
    assertEquals(capacity, working.size());
    assertEquals(
        added.subList(8 - capacity, 8).stream().map(Memory::id).toList(),
        working.stream().map(Memory::id).toList());
    Memory flushed = store.get(ALICE, added.get(0).id()).orElseThrow();
    assertEquals(Tier.SHORT_TERM, flushed.tier());
    assertEquals(EventType.PROMOTE, store.history(ALICE, flushed.id()).get(1).type());
    assertEquals(1, listAll(ALICE.withSession("chat-2"), Filter.eq("tier", Tier.WORKING)).size());
    assertThrows(
        IllegalArgumentException.class,
        () -> AddRequest.builder(ALICE).text("x").tier(Tier.WORKING).build());
  }

  @Test
  void tiers_workingMemoryStaysBounded_whenUpdatedIntoIt_andIdleOnesMoveWhenTheyWereDue() {
    Scope session = ALICE.withSession("chat");
    int capacity = decayPolicy().workingCapacity();
    List<Memory> early = new ArrayList<>();
    for (int i = 0; i < capacity; i++) {
      early.add(addOne(AddRequest.builder(session).text("early " + i).tier(Tier.WORKING)));
    }
    clock.advance(Duration.ofHours(2));
    Memory latest = addOne(AddRequest.builder(session).text("latest").tier(Tier.WORKING));
    for (Memory m : early) {
      List<HistoryEvent> h = store.history(ALICE, m.id());
      assertEquals(
          List.of(EventType.ADD, EventType.PROMOTE), h.stream().map(HistoryEvent::type).toList());
      assertEquals(
          m.lastAccessedAt().plus(decayPolicy().workingIdleTimeout()),
          h.get(1).at(),
          "moved when it became idle, not for lack of room");
      assertEquals(h.get(1).after(), store.get(ALICE, m.id()).orElseThrow());
    }

    for (int i = 1; i < capacity; i++) {
      clock.advance(Duration.ofMinutes(1));
      addOne(AddRequest.builder(session).text("recent " + i).tier(Tier.WORKING));
    }
    Memory note = addOne(AddRequest.builder(session).text("a short-term note"));
    clock.advance(Duration.ofMinutes(1));
    Memory recalled =
        store.update(ALICE, note.id(), MemoryUpdate.builder().tier(Tier.WORKING).build());
    assertEquals(Tier.WORKING, recalled.tier());
    Set<MemoryId> working =
        listAll(session, Filter.eq("tier", Tier.WORKING)).stream()
            .map(Memory::id)
            .collect(Collectors.toSet());
    assertEquals(capacity, working.size());
    assertTrue(working.contains(note.id()));
    assertFalse(working.contains(latest.id()), "the least recently used one made room");
    List<HistoryEvent> h = store.history(ALICE, latest.id());
    assertEquals(EventType.PROMOTE, h.get(h.size() - 1).type());
    assertEquals("working memory full", h.get(h.size() - 1).reason());
  }

  @Test
  void tiers_workingMemoryStaysBounded_forWhatAPipelineAdds() {
    int capacity = decayPolicy().workingCapacity();
    reopenWith(
        (in, ctx) -> {
          List<PlannedChange> changes = new ArrayList<>();
          for (int i = 0; i < capacity + 2; i++) {
            MemoryDraft d = draft(MemoryId.of("d" + i), "turn " + i);
            changes.add(
                new PlannedChange.Add(
                    new MemoryDraft(
                        d.id(),
                        d.text(),
                        Kind.EPISODIC,
                        Tier.WORKING,
                        0.3,
                        1,
                        List.of(),
                        List.of(),
                        "",
                        Map.of(),
                        List.of(),
                        null,
                        List.of()),
                    ""));
          }
          return new PipelinePlan(changes, PipelineUsage.NONE, List.of());
        });
    Scope session = ALICE.withSession("chat");
    AddResult r = store.add(session, "hello");
    assertEquals(
        List.of(Tier.SHORT_TERM, Tier.SHORT_TERM),
        r.added().subList(0, 2).stream().map(Memory::tier).toList(),
        "the first ones made room");
    assertEquals(capacity, listAll(session, Filter.eq("tier", Tier.WORKING)).size());
  }

  @Test
  void tiers_idleWorkingMemoryMovesToShortTerm_readsAndMaintenanceAgree() {
    Memory m =
        addOne(
            AddRequest.builder(ALICE.withSession("chat"))
                .text("what's the time?")
                .tier(Tier.WORKING));
    clock.advance(Duration.ofHours(2));
    Memory lazily = store.get(ALICE, m.id()).orElseThrow();
    assertEquals(Tier.SHORT_TERM, lazily.tier());
    assertEquals(1, store.maintain().promoted());
    assertEquals(lazily, store.get(ALICE, m.id()).orElseThrow());
  }
}
