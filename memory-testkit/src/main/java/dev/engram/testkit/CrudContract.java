package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MemoryNotFoundException;
import dev.engram.MemoryUpdate;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.StoreStats;
import dev.engram.VersionConflictException;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Role;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.memory.Turn;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PipelineUsage;
import dev.engram.pipeline.PlannedChange;
import dev.engram.recall.SearchHit;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Adding, reading, updating, deleting, invalidating, restoring, linking, purging and listing
 * memories, and the plans a pipeline hands the store: every value stored and returned exactly.
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class CrudContract extends StoreContract {
  @Test
  void add_storesEachMessageVerbatimWithScopeTimesAndSources() {
    AddResult result =
        store.add(
            AddRequest.builder(ALICE.withSession("s1"))
                .message(Message.user("I moved to Lisbon").withId("m1").withName("Alice"))
                .message(Message.assistant("Lisbon is lovely").withId("m2"))
                .metadata("channel", "web")
                .source("conversation-7")
                .tag("travel")
                .build());

    assertEquals(2, result.added().size());
    Memory first = result.added().get(0);
    assertEquals("I moved to Lisbon", first.text());
    assertEquals(ALICE.withSession("s1"), first.scope());
    assertEquals(Tier.SHORT_TERM, first.tier());
    assertEquals(Kind.EPISODIC, first.kind());
    assertEquals(Status.ACTIVE, first.status());
    assertEquals(T0, first.createdAt());
    assertEquals(T0, first.observedAt());
    assertEquals(T0, first.lastAccessedAt());
    assertEquals(T0, first.validFrom());
    assertNull(first.validTo());
    assertEquals(1, first.version());
    assertEquals(0, first.accessCount());
    assertEquals(List.of("m1", "conversation-7"), first.sources());
    assertEquals(List.of("travel"), first.tags());
    assertEquals(Map.of("channel", "web"), first.metadata());
    assertEquals(new Turn("s1", 1, "Alice", Role.USER), first.turn());
    assertEquals(new Turn("s1", 2, null, Role.ASSISTANT), result.added().get(1).turn());
    assertEquals(first, store.get(ALICE, first.id()).orElseThrow());
    assertEquals(
        List.of(EventType.ADD, EventType.ADD),
        result.events().stream().map(HistoryEvent::type).toList());
    assertTrue(result.events().get(0).sequence() < result.events().get(1).sequence());
  }

  @Test
  void add_keepsTheRealDatesOfHistoricalMessages() {
    Instant said = Instant.parse("2023-05-08T13:56:00Z");
    Instant other = Instant.parse("2023-05-09T10:00:00Z");
    AddResult r =
        store.add(
            AddRequest.builder(ALICE)
                .observedAt(said)
                .text("I went to a support group yesterday")
                .message(Message.user("and today I painted").withObservedAt(other))
                .build());

    assertEquals(said, r.added().get(0).observedAt());
    assertEquals(said, r.added().get(0).validFrom());
    assertEquals(other, r.added().get(1).observedAt());
    assertEquals(T0, r.added().get(0).createdAt(), "createdAt is when the store learned it");
    assertEquals(
        List.of("I went to a support group yesterday"),
        texts(
            store.search(
                query(ALICE, "support group").filter(Filter.lt("observedAt", other)).build())));
  }

  @Test
  void add_rejectsAnObservedAtInTheFuture_andOneWithinTheToleranceIsSearchableAtOnce() {
    Instant later = clock.instant().plus(AddRequest.OBSERVED_AT_TOLERANCE).plusSeconds(1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                store.add(
                    AddRequest.builder(ALICE).text("from the future").observedAt(later).build()));
    assertTrue(
        e.getMessage().startsWith("observedAt (" + later + ") is in the future"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                store.add(
                    AddRequest.builder(ALICE)
                        .text("fine")
                        .message(Message.user("from the future").withObservedAt(later))
                        .build()));
    assertTrue(e.getMessage().startsWith("messages[1].observedAt"), e.getMessage());
    assertEquals(0, store.stats(ALICE).total(), "nothing written");

    Instant skewed = clock.instant().plus(Duration.ofMinutes(1));
    Memory m =
        addOne(AddRequest.builder(ALICE).text("Alice's train leaves at noon").observedAt(skewed));
    assertEquals(skewed, m.observedAt());
    assertEquals(clock.instant(), m.validFrom(), "never valid before it is stored");
    assertEquals(
        List.of(m.id()),
        store.search(query(ALICE, "train noon").build()).stream()
            .map(h -> h.memory().id())
            .toList());
  }

  @Test
  void add_keepsTheOrderThingsWereSaidIn_evenWithinOneInstant() {
    List<String> said = new ArrayList<>();
    AddRequest.Builder batch = AddRequest.builder(ALICE);
    for (int i = 0; i < 30; i++) {
      said.add("turn " + i);
      batch.text("turn " + i);
    }
    store.add(batch.build());
    store.add(ALICE, "turn 30");
    said.add("turn 30");
    assertEquals(said, listAll(ALICE, Filter.all()).stream().map(Memory::text).toList());
  }

  @Test
  void get_ofUnknownId_isEmpty() {
    assertTrue(store.get(ALICE, MemoryId.random()).isEmpty());
  }

  @Test
  void update_changesOnlyWhatIsSet_andKeepsTheOldValueInHistory() {
    Memory m =
        addOne(AddRequest.builder(ALICE).text("I like tea").importance(0.3).metadata("k", "v"));
    clock.advance(Duration.ofMinutes(5));

    Memory updated =
        store.update(
            ALICE,
            m.id(),
            MemoryUpdate.builder().text("I like green tea").reason("more precise").build());

    assertEquals("I like green tea", updated.text());
    assertEquals(0.3, updated.importance());
    assertEquals(Map.of("k", "v"), updated.metadata());
    assertEquals(2, updated.version());
    assertEquals(T0.plus(Duration.ofMinutes(5)), updated.updatedAt());
    assertEquals(m.createdAt(), updated.createdAt());
    assertEquals(updated, store.get(ALICE, m.id()).orElseThrow());
    List<HistoryEvent> history = store.history(ALICE, m.id());
    assertEquals(
        List.of(EventType.ADD, EventType.UPDATE),
        history.stream().map(HistoryEvent::type).toList());
    assertEquals("I like tea", history.get(1).before().text());
    assertEquals("I like green tea", history.get(1).after().text());
    assertEquals("more precise", history.get(1).reason());
    assertEquals("api", history.get(1).actor());
  }

  @Test
  void update_ifVersion_appliesAtThatVersion_andRefusesOneComputedFromAStaleRead() {
    Memory m = addOne(ALICE, "I like tea");
    Memory read = store.get(ALICE, m.id()).orElseThrow();
    Memory first =
        store.update(
            ALICE,
            m.id(),
            MemoryUpdate.builder().text("I like green tea").ifVersion(read.version()).build());
    assertEquals(read.version() + 1, first.version());

    VersionConflictException e =
        assertThrows(
            VersionConflictException.class,
            () ->
                store.update(
                    ALICE,
                    m.id(),
                    MemoryUpdate.builder()
                        .text("I like black tea")
                        .ifVersion(read.version())
                        .build()));
    assertEquals(
        "memory "
            + m.id()
            + " is at version "
            + first.version()
            + " but the update was computed from version "
            + read.version()
            + ": read the memory again, apply the change to it and retry",
        e.getMessage());
    assertEquals(first, store.get(ALICE, m.id()).orElseThrow(), "the refused update changed it");
    assertEquals(2, store.history(ALICE, m.id()).size());
    assertEquals(
        "ifVersion must be at least 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> MemoryUpdate.builder().ifVersion(0))
            .getMessage());
  }

  @Test
  void update_ofEveryAttribute_isStoredAndFindable() {
    Memory m = addOne(ALICE, "Alice prefers window seats");
    Instant validFrom = Instant.parse("2024-01-01T00:00:00Z");
    store.update(
        ALICE,
        m.id(),
        MemoryUpdate.builder()
            .importance(0.6)
            .keywords(List.of("seat", "window"))
            .tags(List.of("travel", "preference"))
            .context("booking flights")
            .kind(Kind.SEMANTIC)
            .tier(Tier.LONG_TERM)
            .validFrom(validFrom)
            .metadata(Map.of("airline", "TAP", "count", 3))
            .build());
    Memory got = store.get(ALICE, m.id()).orElseThrow();
    assertEquals(0.6, got.importance());
    assertEquals(List.of("seat", "window"), got.keywords());
    assertEquals(List.of("travel", "preference"), got.tags());
    assertEquals("booking flights", got.context());
    assertEquals(Kind.SEMANTIC, got.kind());
    assertEquals(Tier.LONG_TERM, got.tier());
    assertEquals(validFrom, got.validFrom());
    assertEquals(Map.of("airline", "TAP", "count", 3L), got.metadata());
    assertEquals(
        List.of(m.id()),
        store.search(query(ALICE, "flights").build()).stream().map(h -> h.memory().id()).toList(),
        "the context is searchable");
  }

  @Test
  void update_ofUnknownOrForeignMemory_isNotFound() {
    Memory bobs = addOne(BOB, "Bob's secret");
    assertThrows(
        MemoryNotFoundException.class,
        () -> store.update(ALICE, MemoryId.random(), MemoryUpdate.text("x")));
    assertThrows(
        MemoryNotFoundException.class,
        () -> store.update(ALICE, bobs.id(), MemoryUpdate.text("x")));
    assertEquals("Bob's secret", store.get(BOB, bobs.id()).orElseThrow().text());
  }

  @Test
  void update_ofDeletedMemory_asksToRestoreFirst() {
    Memory m = addOne(ALICE, "old");
    store.delete(ALICE, m.id(), "wrong");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> store.update(ALICE, m.id(), MemoryUpdate.text("new")));
    assertEquals("memory " + m.id() + " is deleted; restore it before updating it", e.getMessage());
  }

  @Test
  void delete_isSoft_hidesFromSearch_keepsListingAndHistory_andRestoreUndoesIt() {
    Memory m = addOne(ALICE, "Alice has a cat named Luna");
    Memory deleted = store.delete(ALICE, m.id(), "user asked");

    assertEquals(Status.DELETED, deleted.status());
    assertTrue(store.search(query(ALICE, "cat Luna").build()).isEmpty());
    assertEquals(List.of(deleted), listAll(ALICE, Filter.all()));
    assertEquals(Status.DELETED, store.get(ALICE, m.id()).orElseThrow().status());
    assertEquals(deleted, store.delete(ALICE, m.id(), "again"), "deleting twice changes nothing");
    assertEquals(2, store.history(ALICE, m.id()).size());

    Memory restored = store.restore(ALICE, m.id(), "mistake");
    assertEquals(Status.ACTIVE, restored.status());
    assertEquals(
        List.of("Alice has a cat named Luna"),
        texts(store.search(query(ALICE, "cat Luna").build())));
    assertEquals(
        List.of(EventType.ADD, EventType.DELETE, EventType.RESTORE),
        store.history(ALICE, m.id()).stream().map(HistoryEvent::type).toList());
  }

  @Test
  void invalidate_closesValidity_andAsOfStillAnswersWhatWasTrueThen() {
    Memory lisbon = addOne(ALICE, "Alice lives in Lisbon");
    clock.advance(Duration.ofDays(30));
    Instant whileInLisbon = clock.instant();
    clock.advance(Duration.ofDays(30));
    Memory invalidated = store.invalidate(ALICE, lisbon.id(), "moved to Porto");
    Memory porto = addOne(ALICE, "Alice lives in Porto");

    assertEquals(Status.INVALIDATED, invalidated.status());
    assertEquals(clock.instant(), invalidated.validTo());
    assertEquals(
        List.of("Alice lives in Porto"),
        texts(store.search(query(ALICE, "where does Alice live").build())));
    assertEquals(
        List.of("Alice lives in Lisbon"),
        texts(store.search(query(ALICE, "where does Alice live").asOf(whileInLisbon).build())));
    assertEquals(
        Set.of(lisbon.id(), porto.id()),
        listAll(ALICE, Filter.all()).stream().map(Memory::id).collect(Collectors.toSet()));

    Memory reopened = store.restore(ALICE, lisbon.id(), "invalidated by mistake");
    assertEquals(Status.ACTIVE, reopened.status());
    assertNull(reopened.validTo());
  }

  @Test
  void restore_ofAnInvalidatedThenDeletedMemory_undoesTheDeleteOnly_andOnceMoreReopensIt() {
    Memory lisbon =
        addOne(AddRequest.builder(ALICE).text("Alice lives in Lisbon").tier(Tier.LONG_TERM));
    clock.advance(Duration.ofDays(10));
    Instant whileInLisbon = clock.instant();
    clock.advance(Duration.ofDays(10));
    Memory invalidated = store.invalidate(ALICE, lisbon.id(), "moved");
    clock.advance(Duration.ofDays(1));
    store.delete(ALICE, lisbon.id(), "cleaning up");
    clock.advance(Duration.ofDays(1));

    Memory restored = store.restore(ALICE, lisbon.id(), "deleted by mistake");
    assertEquals(Status.INVALIDATED, restored.status());
    assertEquals(invalidated.validTo(), restored.validTo());
    assertTrue(store.search(query(ALICE, "Alice Lisbon").build()).isEmpty());
    assertEquals(
        List.of(lisbon.id()),
        store.search(query(ALICE, "Alice Lisbon").asOf(whileInLisbon).build()).stream()
            .map(h -> h.memory().id())
            .toList());

    Memory reopened = store.restore(ALICE, lisbon.id(), "still true after all");
    assertEquals(Status.ACTIVE, reopened.status());
    assertNull(reopened.validTo());
    assertEquals(
        List.of(lisbon.id()),
        store.search(query(ALICE, "Alice Lisbon").build()).stream()
            .map(h -> h.memory().id())
            .toList(),
        "an active memory is found");
    assertEquals(
        List.of(
            EventType.ADD,
            EventType.INVALIDATE,
            EventType.DELETE,
            EventType.RESTORE,
            EventType.RESTORE),
        store.history(ALICE, lisbon.id()).stream().map(HistoryEvent::type).toList(),
        "INVALIDATE is recorded as its own event type");
  }

  @Test
  void link_connectsMemoriesOfOneScope_andSearchCanExpandToThem() {
    Memory dog = addOne(ALICE, "Alice adopted a dog named Rex");
    Memory vet = addOne(ALICE, "The clinic on Main Street treats animals");
    Memory bobs = addOne(BOB, "Bob's note");

    Memory linked = store.link(ALICE, dog.id(), vet.id(), "related");
    assertEquals(List.of(Link.related(vet.id())), linked.links());
    assertEquals(
        linked, store.link(ALICE, dog.id(), vet.id(), "related"), "linking twice changes nothing");
    assertThrows(
        MemoryNotFoundException.class, () -> store.link(ALICE, dog.id(), bobs.id(), "related"));
    assertThrows(
        IllegalArgumentException.class, () -> store.link(ALICE, dog.id(), dog.id(), "related"));

    List<SearchHit> hits = store.search(query(ALICE, "dog Rex").limit(1).expandLinks(true).build());
    assertEquals(List.of(dog.id(), vet.id()), hits.stream().map(h -> h.memory().id()).toList());
    assertEquals(dog.id(), hits.get(1).linkedFrom());
    assertTrue(hits.get(1).score() < hits.get(0).score());
    assertEquals(EventType.LINK, store.history(ALICE, dog.id()).get(1).type());
  }

  @Test
  void purge_removesTheMemoryAndItsHistoryContent_leavingATombstone() {
    Memory m = addOne(ALICE, "Alice's passport number is X123");
    store.update(ALICE, m.id(), MemoryUpdate.text("Alice's passport number is X124"));

    assertFalse(store.purge(BOB, m.id()), "another scope cannot purge it");
    assertTrue(store.purge(ALICE, m.id()));
    assertFalse(store.purge(ALICE, m.id()));

    assertTrue(store.get(ALICE, m.id()).isEmpty());
    assertTrue(listAll(ALICE, Filter.all()).isEmpty());
    assertTrue(store.search(query(ALICE, "passport").build()).isEmpty());
    List<HistoryEvent> history = store.history(ALICE, m.id());
    assertEquals(1, history.size());
    assertEquals(EventType.PURGE, history.get(0).type());
    assertNull(history.get(0).before());
    assertNull(history.get(0).after());
    for (HistoryEvent e : allHistory(ALICE)) {
      assertFalse(
          (e.before() != null && e.before().text().contains("passport"))
              || (e.after() != null && e.after().text().contains("passport")),
          "history still holds purged content: " + e);
    }
  }

  @Test
  void purge_removesLinksToThePurgedMemory_fromTheOwnersOtherMemories() {
    Memory a = addOne(ALICE.withSession("s1"), "Alice adopted a dog");
    Memory b = addOne(ALICE.withSession("s2"), "The dog's name is Rex");
    Memory c = addOne(ALICE.withSession("s3"), "Rex sleeps a lot");
    store.link(ALICE, a.id(), b.id(), "related");
    store.link(ALICE, a.id(), c.id(), "related");
    store.link(ALICE, c.id(), b.id(), "related");

    assertTrue(store.purge(ALICE, b.id()));
    assertEquals(List.of(Link.related(c.id())), store.get(ALICE, a.id()).orElseThrow().links());
    assertEquals(List.of(), store.get(ALICE, c.id()).orElseThrow().links());
    HistoryEvent unlinked = last(store.history(ALICE, a.id()));
    assertEquals(EventType.UPDATE, unlinked.type());
    assertEquals(unlinked.after(), store.get(ALICE, a.id()).orElseThrow());

    assertEquals(1, store.purgeScope(ALICE.withSession("s3")));
    assertEquals(List.of(), store.get(ALICE, a.id()).orElseThrow().links());
    for (Memory m : listAll(ALICE, Filter.all())) {
      for (Link l : m.links()) {
        assertTrue(store.get(ALICE, l.target()).isPresent(), "dangling link " + l + " of " + m);
      }
    }
  }

  @Test
  void pipeline_proposedIdsAreNotTaken_soAPurgedIdIsNeverReusedForAnotherOwner() {
    MemoryId proposed = MemoryId.of("chosen-by-the-pipeline");
    reopenWith(
        (in, ctx) ->
            new PipelinePlan(
                List.of(
                    new PlannedChange.Add(
                        draft(proposed, "fact: " + in.messages().get(0).text()), "")),
                PipelineUsage.NONE,
                List.of()));
    Memory bobs = store.add(BOB, "Bob's PIN is 1111").added().get(0);
    assertNotEquals(proposed, bobs.id(), "the store assigns the ids");
    assertTrue(store.purge(BOB, bobs.id()));

    Memory alices = store.add(ALICE, "Alice's PIN is 2222").added().get(0);
    assertNotEquals(proposed, alices.id());
    assertNotEquals(bobs.id(), alices.id(), "a purged id is never given out again");
    assertEquals(
        List.of(EventType.PURGE),
        store.history(BOB, bobs.id()).stream().map(HistoryEvent::type).toList());
    assertEquals(
        List.of(EventType.ADD),
        store.history(ALICE, alices.id()).stream().map(HistoryEvent::type).toList());
    assertTrue(store.history(BOB, alices.id()).isEmpty());
    assertEquals("fact: Alice's PIN is 2222", store.get(ALICE, alices.id()).orElseThrow().text());
  }

  @Test
  void pipeline_linksAmongTheDraftsOfOnePlanResolveToTheAssignedIds() {
    MemoryId episode = MemoryId.of("episode-1");
    MemoryId fact = MemoryId.of("fact-1");
    reopenWith(
        (in, ctx) -> {
          MemoryDraft e = draft(episode, in.messages().get(0).text());
          MemoryDraft f = draft(fact, "Alice owns a boat");
          f =
              new MemoryDraft(
                  f.id(),
                  f.text(),
                  f.kind(),
                  f.tier(),
                  f.importance(),
                  f.strength(),
                  f.keywords(),
                  f.tags(),
                  f.context(),
                  f.metadata(),
                  f.sources(),
                  f.observedAt(),
                  List.of(new Link(episode, Link.DERIVED_FROM)));
          return new PipelinePlan(
              List.of(
                  new PlannedChange.Add(f, "fact"),
                  new PlannedChange.Add(e, "said"),
                  new PlannedChange.AddLink(episode, Link.related(fact), "")),
              PipelineUsage.NONE,
              List.of());
        });
    AddResult r = store.add(ALICE, "I bought a boat");
    Memory storedFact = r.memories().get(0);
    Memory storedEpisode = r.memories().get(1);
    assertEquals("Alice owns a boat", storedFact.text());
    assertEquals(List.of(new Link(storedEpisode.id(), Link.DERIVED_FROM)), storedFact.links());
    assertEquals(List.of(Link.related(storedFact.id())), storedEpisode.links());
    assertEquals(storedFact, store.get(ALICE, storedFact.id()).orElseThrow());
    assertEquals(storedEpisode, store.get(ALICE, storedEpisode.id()).orElseThrow());
  }

  @Test
  void stats_countWhatReadsShow_beforeAndAfterMaintenance() {
    addOne(ALICE, "a passing remark");
    addOne(ALICE, "another passing remark");
    addOne(AddRequest.builder(ALICE).text("a core fact").tier(Tier.LONG_TERM));
    addOne(
        AddRequest.builder(ALICE.withSession("chat")).text("what time is it").tier(Tier.WORKING));
    addOne(BOB, "bob's remark");
    clock.advance(Duration.ofDays(40));

    StoreStats before = store.stats(ALICE);
    assertEquals(4, before.total());
    assertEquals(2 + 1, before.byStatus().get(Status.ARCHIVED), "short-term and working faded");
    assertEquals(1, before.byStatus().get(Status.ACTIVE));
    assertEquals(1, before.byTier().get(Tier.LONG_TERM));
    assertEquals(0, before.byTier().get(Tier.WORKING));
    assertEquals(
        listAll(ALICE, Filter.eq("status", Status.ARCHIVED)).size(),
        before.byStatus().get(Status.ARCHIVED));
    assertEquals(4, store.stats().byStatus().get(Status.ARCHIVED));

    store.maintain();
    assertEquals(before, store.stats(ALICE));
  }

  @Test
  void list_pagesThroughEverything_inCreationOrder_withoutGapsOrDuplicates() {
    List<MemoryId> added = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      added.add(addOne(ALICE, "note " + i).id());
      if (i % 3 == 0) {
        clock.advance(Duration.ofSeconds(1));
      }
    }
    addOne(BOB, "not alice's");
    List<MemoryId> listed = new ArrayList<>();
    PageRequest page = PageRequest.first(40);
    int pages = 0;
    while (true) {
      Page<Memory> p = store.list(ALICE, Filter.all(), page);
      assertTrue(p.items().size() <= 40);
      p.items().forEach(m -> listed.add(m.id()));
      pages++;
      if (!p.hasNext()) {
        break;
      }
      page = page.next(p);
    }
    assertEquals(7, pages);
    assertEquals(250, listed.size());
    assertEquals(250, new HashSet<>(listed).size());
    List<Memory> byOrder = new ArrayList<>();
    for (MemoryId id : listed) {
      byOrder.add(store.get(ALICE, id).orElseThrow());
    }
    for (int i = 1; i < byOrder.size(); i++) {
      Memory a = byOrder.get(i - 1);
      Memory b = byOrder.get(i);
      assertTrue(
          a.createdAt().isBefore(b.createdAt())
              || (a.createdAt().equals(b.createdAt()) && a.id().compareTo(b.id()) < 0));
    }
    assertEquals(new HashSet<>(added), new HashSet<>(listed));
  }

  @Test
  void list_exactlyOnePageFull_hasNoNextPage() {
    for (int i = 0; i < 10; i++) {
      addOne(ALICE, "n" + i);
    }
    Page<Memory> p = store.list(ALICE, Filter.all(), PageRequest.first(10));
    assertEquals(10, p.items().size());
    assertFalse(p.hasNext());
    assertTrue(store.list(BOB, Filter.all(), PageRequest.first(10)).items().isEmpty());
  }

  @Test
  void list_withAForgedCursor_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> store.list(ALICE, Filter.all(), new PageRequest(10, "bm90IGEgY3Vyc29y")));
    assertEquals(
        "page.cursor is not a cursor returned by a previous page of this listing", e.getMessage());
  }

  @Test
  void stats_countByTierAndStatus() {
    addOne(ALICE, "a");
    addOne(AddRequest.builder(ALICE).text("b").tier(Tier.LONG_TERM));
    Memory c = addOne(ALICE, "c");
    store.delete(ALICE, c.id(), "x");
    addOne(BOB, "d");
    StoreStats s = store.stats(ALICE);
    assertEquals(3, s.total());
    assertEquals(2, s.byStatus().get(Status.ACTIVE));
    assertEquals(1, s.byStatus().get(Status.DELETED));
    assertEquals(1, s.byTier().get(Tier.SHORT_TERM));
    assertEquals(1, s.byTier().get(Tier.LONG_TERM));
    assertEquals(4, store.stats().total());
  }

  @Test
  void closedStore_refusesWork() {
    store.close();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> store.add(ALICE, "x"));
    assertEquals("the memory store is closed", e.getMessage());
    store = null;
  }
}
