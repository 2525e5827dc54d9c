package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.Engram;
import dev.engram.MaintenanceReport;
import dev.engram.MemoryNotFoundException;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.StoreStats;
import dev.engram.backend.MemoryBackend;
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
import dev.engram.memory.Metadata;
import dev.engram.memory.Role;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.memory.Turn;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PipelineUsage;
import dev.engram.pipeline.PlannedChange;
import dev.engram.recall.ScoreBreakdown;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every backend must pass. Extend it, return your backend from {@link
 * #newBackend(Path)}, and inherit the checks: CRUD, scopes and isolation, every filter operator,
 * pagination, decay and tiers under a fake clock, history, validation and concurrency.
 *
 * <p>The store under test is the one store implementation over your backend, so these tests check
 * what the backend must get right: storing and returning values exactly, filtering like {@link
 * Filter#test}, scoping like {@link Scope#contains}, ordering, relevance, atomicity and thread
 * safety.
 */
public abstract class MemoryStoreContractTest {
  /** The fake clock's start: a fixed instant, so failures reproduce. */
  protected static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");

  protected static final Scope ALICE = Scope.user("alice");
  protected static final Scope BOB = Scope.user("bob");

  /** A per-test directory persistent backends may use. */
  @TempDir protected Path dir;

  protected ManualClock clock;
  protected MemoryStore store;

  /** The backend under test, storing under {@code dir} if it is persistent. */
  protected abstract MemoryBackend newBackend(Path dir);

  /** Whether the backend keeps its data across {@link #reopen()}. */
  protected boolean isPersistent() {
    return false;
  }

  /** The decay policy tests use; defaults but for a small working capacity. */
  protected DecayPolicy decayPolicy() {
    return DecayPolicy.builder().workingCapacity(5).build();
  }

  /** Opens the store over a new backend instance on {@code dir}. */
  protected MemoryStore openStore() {
    return storeBuilder().build();
  }

  /** The settings of {@link #openStore()}: a new backend instance on {@code dir}. */
  protected Engram.Builder storeBuilder() {
    return Engram.builder()
        .backend(newBackend(dir))
        .clock(clock)
        .decay(decayPolicy())
        .maxTextBytes(1024);
  }

  /**
   * Closes the store and opens it again on the same directory with a pipeline (a persistent backend
   * keeps what was stored; an in-memory one starts empty).
   */
  protected void reopenWith(MemoryPipeline pipeline) {
    store.close();
    store = storeBuilder().pipeline(pipeline).build();
  }

  @BeforeEach
  void openContractStore() {
    clock = new ManualClock(T0);
    store = openStore();
  }

  @AfterEach
  void closeContractStore() {
    if (store != null) {
      store.close();
    }
  }

  /** Closes the store and opens it again on the same directory. */
  protected void reopen() {
    store.close();
    store = openStore();
  }

  // ------------------------------------------------------------------------------------ helpers

  protected Memory addOne(Scope scope, String text) {
    return store.add(AddRequest.of(scope, text)).added().get(0);
  }

  protected Memory addOne(AddRequest.Builder request) {
    return store.add(request.build()).added().get(0);
  }

  protected List<String> texts(List<SearchHit> hits) {
    return hits.stream().map(SearchHit::text).toList();
  }

  protected List<Memory> listAll(Scope scope, Filter filter) {
    List<Memory> all = new ArrayList<>();
    PageRequest page = PageRequest.first(7);
    while (true) {
      Page<Memory> p = store.list(scope, filter, page);
      all.addAll(p.items());
      if (!p.hasNext()) {
        return all;
      }
      page = page.next(p);
    }
  }

  private SearchRequest.Builder query(Scope scope, String text) {
    return SearchRequest.builder(scope, text).reinforce(false);
  }

  // ------------------------------------------------------------------------------------ CRUD

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

  private static HistoryEvent last(List<HistoryEvent> events) {
    return events.get(events.size() - 1);
  }

  @Test
  void history_recordsWhoMadeEachChange() {
    Memory a = addOne(AddRequest.builder(ALICE).text("Alice likes jazz").actor("importer"));
    Memory b = addOne(ALICE, "Alice likes blues");
    store.update(
        ALICE, a.id(), MemoryUpdate.builder().text("Alice loves jazz").actor("agent").build());
    store.link(ALICE, a.id(), b.id(), "related", "agent");
    store.invalidate(ALICE, a.id(), "no longer", "agent");
    store.delete(ALICE, a.id(), "cleanup", "nightly-job");
    store.restore(ALICE, a.id(), "mistake", "support-desk");
    store.delete(ALICE, b.id(), "plain");
    assertEquals(
        List.of("importer", "agent", "agent", "agent", "nightly-job", "support-desk"),
        store.history(ALICE, a.id()).stream().map(HistoryEvent::actor).toList());
    assertEquals("api", last(store.history(ALICE, b.id())).actor(), "the default actor");
    assertTrue(store.purge(ALICE, b.id(), "gdpr-tool"));
    assertEquals("gdpr-tool", store.history(ALICE, b.id()).get(0).actor());
    assertEquals(
        "actor must be 1 to 64 characters",
        assertThrows(IllegalArgumentException.class, () -> store.delete(ALICE, a.id(), "x", " "))
            .getMessage());
    assertEquals(Status.INVALIDATED, store.get(ALICE, a.id()).orElseThrow().status());
  }

  @Test
  void purgeScope_removesExactlyThatScope() {
    addOne(ALICE, "a1");
    addOne(ALICE.withSession("s1"), "a2");
    addOne(Scope.of("alice", "bot", null), "a3");
    addOne(BOB, "b1");

    assertEquals(2, store.purgeScope(ALICE));
    assertTrue(listAll(ALICE, Filter.all()).isEmpty());
    assertEquals(1, listAll(Scope.of("alice", "bot", null), Filter.all()).size());
    assertEquals(1, listAll(BOB, Filter.all()).size());
  }

  @Test
  void purgeUser_forgetsTheUserAcrossAgentsAndSessions_andNoOneElse() {
    for (int i = 0; i < 30; i++) {
      addOne(ALICE.withSession("s" + (i % 3)), "alice fact " + i);
      addOne(Scope.of("alice", "bot-" + (i % 2), "s" + i), "alice with bot " + i);
    }
    Memory bobs = addOne(Scope.of("bob", "bot-1", null), "bob fact");
    Memory agents = addOne(Scope.agent("bot-1"), "agent procedure");

    assertEquals(60, store.purgeUser("alice"));

    assertTrue(listAll(ALICE, Filter.all()).isEmpty());
    assertTrue(listAll(Scope.of("alice", "bot-1", null), Filter.all()).isEmpty());
    assertTrue(store.get(Scope.of("bob", "bot-1", null), bobs.id()).isPresent());
    assertTrue(store.get(Scope.agent("bot-1"), agents.id()).isPresent());
    assertEquals(0, store.stats(ALICE).total());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> store.purgeUser("not valid!"));
    assertTrue(e.getMessage().startsWith("scope.userId must be"), e.getMessage());
  }

  /** A fact draft with a pipeline-chosen id. */
  protected static MemoryDraft draft(MemoryId id, String text) {
    MemoryDraft d = MemoryDraft.fact(text);
    return new MemoryDraft(
        id,
        d.text(),
        d.kind(),
        d.tier(),
        d.importance(),
        d.strength(),
        d.keywords(),
        d.tags(),
        d.context(),
        d.metadata(),
        d.sources(),
        d.observedAt(),
        d.links());
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

  // ------------------------------------------------------------------------------------ search

  @Test
  void search_ranksTheBetterMatchFirst_andHonoursLimitAndMinScore() {
    addOne(ALICE, "Alice is allergic to peanuts and shellfish");
    addOne(ALICE, "Alice went hiking in the Alps last summer");
    addOne(ALICE, "Alice's favourite food is pad thai with peanuts");
    for (int i = 0; i < 20; i++) {
      addOne(ALICE, "filler memory number " + i + " about the weather");
    }

    List<SearchHit> hits = store.search(query(ALICE, "allergic peanuts").limit(2).build());
    assertEquals(2, hits.size());
    assertEquals("Alice is allergic to peanuts and shellfish", hits.get(0).text());
    assertTrue(hits.get(0).score() >= hits.get(1).score());
    assertTrue(store.search(query(ALICE, "allergic peanuts").minScore(1.0).build()).isEmpty());
    double top = hits.get(0).score();
    store
        .search(query(ALICE, "allergic peanuts").minScore(top).build())
        .forEach(h -> assertTrue(h.score() >= top));
  }

  @Test
  void search_explain_breaksTheScoreDownByTheWeights() {
    addOne(AddRequest.builder(ALICE).text("Alice plays the violin").importance(0.9));
    RankingWeights w = new RankingWeights(0.5, 0.3, 0.2);
    SearchHit hit = store.search(query(ALICE, "violin").explain(true).weights(w).build()).get(0);
    ScoreBreakdown why = hit.explanation();
    assertNotNull(why);
    assertEquals(w, why.weights());
    assertEquals(0.9, why.importance());
    assertEquals(1.0, why.retention(), 1e-9, "just stored: nothing forgotten yet");
    assertTrue(why.relevance() > 0 && why.relevance() <= 1);
    assertEquals(w.blend(why.relevance(), why.retention(), why.importance()), hit.score(), 1e-9);
    assertEquals(why.score(), hit.score(), 1e-12);
    assertNull(
        store.search(query(ALICE, "violin").build()).get(0).explanation(), "explain is opt-in");
  }

  @Test
  void search_reinforcesWhatItReturns_unlessToldNotTo() {
    Memory m = addOne(ALICE, "Alice's sister is called Maria");
    clock.advance(Duration.ofHours(5));
    store.search(SearchRequest.builder(ALICE, "sister Maria").reinforce(false).build());
    assertEquals(0, store.get(ALICE, m.id()).orElseThrow().accessCount());

    List<SearchHit> hits = store.search(ALICE, "sister Maria");
    assertEquals(0, hits.get(0).memory().accessCount(), "hits show the memory as it was found");
    Memory after = store.get(ALICE, m.id()).orElseThrow();
    assertEquals(1, after.accessCount());
    assertEquals(2.0, after.strength());
    assertEquals(clock.instant(), after.lastAccessedAt());
    assertEquals(m.version(), after.version(), "recall is bookkeeping, not a new version");
  }

  @Test
  void search_recallStatisticsAreFilterableAtOnce() {
    Memory recalled = addOne(ALICE, "Alice's dentist is Dr. Costa");
    addOne(ALICE, "Alice's barber is Tomas");
    store.search(SearchRequest.builder(ALICE, "dentist Costa").limit(1).build());
    assertEquals(
        List.of(recalled.id()),
        listAll(ALICE, Filter.gt("accessCount", 0)).stream().map(Memory::id).toList());
    assertEquals(
        List.of(recalled.id()),
        store.search(query(ALICE, "Alice").filter(Filter.gte("strength", 2)).build()).stream()
            .map(h -> h.memory().id())
            .toList());
  }

  @Test
  void persistence_recallStatisticsSurviveReopening() {
    assumeTrue(isPersistent(), "backend is not persistent");
    Memory m = addOne(ALICE, "Alice's gate code is 2580");
    store.search(SearchRequest.builder(ALICE, "gate code").build());
    store.search(SearchRequest.builder(ALICE, "gate code").build());
    reopen();
    Memory after = store.get(ALICE, m.id()).orElseThrow();
    assertEquals(2, after.accessCount());
    assertEquals(3.0, after.strength());
  }

  @Test
  void search_scoresOfOneOwner_doNotDependOnAnotherOwnersData() {
    // A second store holds Alice's memories alone; this one holds Bob's too, full of her words.
    try (MemoryStore alone =
        Engram.builder().backend(newBackend(dir.resolve("alone"))).clock(clock).build()) {
      for (int i = 0; i < 50; i++) {
        store.add(BOB, "coffee coffee coffee and more coffee in the park, note " + i);
      }
      for (MemoryStore s : List.of(alone, store)) {
        s.add(ALICE, "Alice drinks coffee every morning");
        s.add(ALICE, "Alice walks her dog in the park");
        s.add(ALICE, "Alice takes her coffee black, at the park");
      }
      SearchRequest q =
          SearchRequest.builder(ALICE, "coffee park").explain(true).reinforce(false).build();
      List<String> expected =
          alone.search(q).stream().map(h -> h.text() + " " + h.explanation()).toList();
      assertEquals(3, expected.size());
      assertEquals(
          expected,
          store.search(q).stream().map(h -> h.text() + " " + h.explanation()).toList(),
          "another owner's memories changed Alice's scores");
    }
  }

  @Test
  void search_inASmallScopeAmongManyOthers_stillFindsItsResults() {
    for (int i = 0; i < 300; i++) {
      addOne(Scope.user("crowd-" + (i % 10)), "coffee order number " + i + " espresso coffee");
    }
    for (int i = 0; i < 5; i++) {
      addOne(ALICE, "coffee note " + i);
    }
    List<SearchHit> hits = store.search(query(ALICE, "espresso coffee order").limit(5).build());
    assertEquals(5, hits.size());
    hits.forEach(h -> assertEquals(ALICE, h.memory().scope()));
  }

  @Test
  void search_withAFilter_returnsOnlyMatches_evenWhenTheBestMatchesAreFilteredOut() {
    for (int i = 0; i < 100; i++) {
      addOne(
          AddRequest.builder(ALICE)
              .text("meeting notes about the budget meeting " + i)
              .metadata("project", "x"));
    }
    addOne(AddRequest.builder(ALICE).text("budget").metadata("project", "y"));
    List<SearchHit> hits =
        store.search(
            query(ALICE, "budget meeting notes")
                .filter(Filter.eq("metadata.project", "y"))
                .build());
    assertEquals(List.of("budget"), texts(hits));
  }

  // ------------------------------------------------------------------------------------ scopes

  @Test
  void scopes_neverLeak_throughSearchListGetHistoryOrChanges() {
    Memory a = addOne(ALICE, "the launch code is 1234");
    Memory b = addOne(BOB, "the launch code is 9876");

    assertEquals(
        List.of("the launch code is 1234"),
        texts(store.search(query(ALICE, "launch code").build())));
    assertEquals(
        List.of("the launch code is 9876"), texts(store.search(query(BOB, "launch code").build())));
    assertEquals(List.of(a), listAll(ALICE, Filter.all()));
    assertTrue(store.get(ALICE, b.id()).isEmpty());
    assertTrue(store.history(ALICE, b.id()).isEmpty());
    assertThrows(MemoryNotFoundException.class, () -> store.delete(ALICE, b.id(), "x"));
    assertThrows(MemoryNotFoundException.class, () -> store.invalidate(ALICE, b.id(), "x"));
    assertThrows(MemoryNotFoundException.class, () -> store.restore(ALICE, b.id(), "x"));
    assertThrows(MemoryNotFoundException.class, () -> store.link(ALICE, b.id(), a.id(), "related"));
    assertEquals(
        Set.of(a.id()),
        allHistory(ALICE).stream().map(HistoryEvent::memoryId).collect(Collectors.toSet()));
    assertEquals(1, store.stats(ALICE).total());
  }

  @Test
  void scopes_filtersNarrowButNeverWiden() {
    addOne(ALICE, "alice likes jazz");
    addOne(BOB, "bob likes jazz");
    Filter sneaky =
        Filter.or(
            Filter.eq("userId", "bob"), Filter.not(Filter.eq("userId", "alice")), Filter.all());
    assertEquals(
        List.of("alice likes jazz"),
        texts(store.search(query(ALICE, "jazz").filter(sneaky).build())));
    assertEquals(
        List.of("alice likes jazz"), listAll(ALICE, sneaky).stream().map(Memory::text).toList());
    assertTrue(listAll(ALICE, Filter.eq("userId", "bob")).isEmpty());
  }

  @Test
  void scopes_aSessionNarrows_theOwnerSeesAllSessions_andAgentsAreSeparateOwners() {
    addOne(ALICE.withSession("s1"), "said in session one");
    addOne(ALICE.withSession("s2"), "said in session two");
    addOne(Scope.of("alice", "travel-bot", "s1"), "said to the travel bot");
    addOne(Scope.agent("travel-bot"), "the travel bot books trains first");

    assertEquals(2, listAll(ALICE, Filter.all()).size());
    assertEquals(
        List.of("said in session one"),
        listAll(ALICE.withSession("s1"), Filter.all()).stream().map(Memory::text).toList());
    assertEquals(
        List.of("said to the travel bot"),
        listAll(Scope.of("alice", "travel-bot", null), Filter.all()).stream()
            .map(Memory::text)
            .toList());
    assertEquals(
        List.of("the travel bot books trains first"),
        listAll(Scope.agent("travel-bot"), Filter.all()).stream().map(Memory::text).toList());
    assertTrue(
        store.search(query(Scope.agent("travel-bot"), "said session bot").build()).stream()
            .allMatch(h -> h.memory().scope().userId() == null));
    assertEquals(
        List.of("said in session two"),
        listAll(ALICE, Filter.in("sessionId", List.of("s2", "s9"))).stream()
            .map(Memory::text)
            .toList());
  }

  // ------------------------------------------------------------------------------------ filters

  private Map<String, Memory> filterFixture() {
    Map<String, Memory> m = new LinkedHashMap<>();
    m.put(
        "a",
        addOne(
            AddRequest.builder(ALICE)
                .text("Apple pie recipe")
                .importance(0.2)
                .tag("food")
                .tag("dessert")
                .metadata(
                    Map.of(
                        "n",
                        1,
                        "topic",
                        "cooking",
                        "vip",
                        true,
                        "score",
                        2.5,
                        "labels",
                        List.of("x", "y")))));
    clock.advance(Duration.ofMinutes(1));
    m.put(
        "b",
        addOne(
            AddRequest.builder(ALICE.withSession("s1"))
                .text("Banana bread")
                .importance(0.5)
                .kind(Kind.SEMANTIC)
                .tag("food")
                .metadata(
                    Map.of("n", 5, "topic", "baking", "vip", false, "labels", List.of("y")))));
    clock.advance(Duration.ofMinutes(1));
    m.put(
        "c",
        addOne(
            AddRequest.builder(ALICE)
                .text("Cherry trees bloom in spring")
                .importance(0.9)
                .kind(Kind.PROCEDURAL)
                .metadata(Map.of("n", 10, "topic", "nature"))));
    clock.advance(Duration.ofMinutes(1));
    m.put(
        "d",
        addOne(
            AddRequest.builder(ALICE)
                .text("Date night on Friday")
                .importance(0.5)
                .metadata("topic", "Cooking")));
    return m;
  }

  private void assertFilter(Map<String, Memory> fixture, Filter filter, String... expectedKeys) {
    assertFilter("apple banana cherry date pie bread trees night", fixture, filter, expectedKeys);
  }

  private void assertFilter(
      String searchFor, Map<String, Memory> fixture, Filter filter, String... expectedKeys) {
    Set<MemoryId> expected = new HashSet<>();
    for (String k : expectedKeys) {
      expected.add(fixture.get(k).id());
    }
    Set<MemoryId> listed =
        listAll(ALICE, filter).stream().map(Memory::id).collect(Collectors.toSet());
    assertEquals(names(fixture, expected), names(fixture, listed), "list with " + filter);
    Set<MemoryId> searched =
        store.search(query(ALICE, searchFor).filter(filter).limit(50).build()).stream()
            .map(h -> h.memory().id())
            .collect(Collectors.toSet());
    assertEquals(names(fixture, expected), names(fixture, searched), "search with " + filter);
    for (Memory mem : fixture.values()) {
      assertEquals(
          expected.contains(mem.id()),
          filter.test(store.get(ALICE, mem.id()).orElseThrow()),
          "reference semantics of " + filter);
    }
  }

  private static Set<String> names(Map<String, Memory> fixture, Set<MemoryId> ids) {
    return fixture.entrySet().stream()
        .filter(e -> ids.contains(e.getValue().id()))
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  @Test
  void filter_eqAndNe_onFieldsAndMetadata() {
    Map<String, Memory> f = filterFixture();
    assertFilter(f, Filter.eq("metadata.topic", "cooking"), "a");
    assertFilter(f, Filter.ne("metadata.topic", "cooking"), "b", "c", "d");
    assertFilter(f, Filter.eq("metadata.n", 5), "b");
    assertFilter(f, Filter.eq("metadata.n", 5.0), "b");
    assertFilter(f, Filter.eq("metadata.vip", true), "a");
    assertFilter(f, Filter.ne("metadata.vip", true), "b", "c", "d");
    assertFilter(f, Filter.eq("metadata.labels", "y"), "a", "b");
    assertFilter(f, Filter.eq("kind", Kind.SEMANTIC), "b");
    assertFilter(f, Filter.eq("kind", "procedural"), "c");
    assertFilter(f, Filter.eq("importance", 0.5), "b", "d");
    assertFilter(f, Filter.eq("tags", "dessert"), "a");
    assertFilter(f, Filter.eq("sessionId", "s1"), "b");
    assertFilter(f, Filter.ne("sessionId", "s1"), "a", "c", "d");
    assertFilter(f, Filter.eq("text", "Banana bread"), "b");
    assertFilter(f, Filter.eq("metadata.n", "5"), new String[0]);
    assertFilter(f, Filter.eq("id", f.get("c").id().value()), "c");
  }

  @Test
  void filter_ranges_onNumbersInstantsAndStrings() {
    Map<String, Memory> f = filterFixture();
    assertFilter(f, Filter.gt("importance", 0.5), "c");
    assertFilter(f, Filter.gte("importance", 0.5), "b", "c", "d");
    assertFilter(f, Filter.lt("importance", 0.5), "a");
    assertFilter(f, Filter.lte("importance", 0.5), "a", "b", "d");
    assertFilter(f, Filter.gt("metadata.n", 1), "b", "c");
    assertFilter(f, Filter.lte("metadata.n", 5L), "a", "b");
    assertFilter(f, Filter.gt("metadata.score", 2), "a");
    assertFilter(f, Filter.gte("createdAt", T0.plus(Duration.ofMinutes(1))), "b", "c", "d");
    assertFilter(f, Filter.lt("createdAt", "2025-03-01T09:02:00Z"), "a", "b");
    assertFilter(f, Filter.gt("metadata.topic", "baking"), "a", "c");
    assertFilter(f, Filter.lt("metadata.topic", "a"), "d");
    assertFilter(f, Filter.gt("accessCount", 0), new String[0]);
  }

  @Test
  void filter_inNinContainsExists() {
    Map<String, Memory> f = filterFixture();
    assertFilter(f, Filter.in("metadata.topic", List.of("cooking", "nature")), "a", "c");
    assertFilter(f, Filter.nin("metadata.topic", List.of("cooking", "nature")), "b", "d");
    assertFilter(f, Filter.in("metadata.n", List.of(1, 10)), "a", "c");
    assertFilter(f, Filter.in("tags", List.of("dessert", "nothing")), "a");
    assertFilter(f, Filter.nin("tags", List.of("food")), "c", "d");
    assertFilter(f, Filter.contains("text", "bread"), "b");
    assertFilter(f, Filter.contains("text", "Bread"), new String[0]);
    assertFilter(f, Filter.contains("tags", "food"), "a", "b");
    assertFilter(f, Filter.contains("tags", "foo"), new String[0]);
    assertFilter(f, Filter.contains("metadata.topic", "ook"), "a", "d");
    assertFilter(f, Filter.contains("metadata.labels", "x"), "a");
    assertFilter(f, Filter.exists("metadata.vip"), "a", "b");
    assertFilter(f, Filter.not(Filter.exists("metadata.vip")), "c", "d");
    assertFilter(f, Filter.exists("tags"), "a", "b");
    assertFilter(f, Filter.exists("sessionId"), "b");
    assertFilter(f, Filter.exists("validTo"), new String[0]);
  }

  @Test
  void filter_longMetadataBeyondTwoToThe53_comparesExactly() {
    long big = 1L << 53;
    Memory a = addOne(AddRequest.builder(ALICE).text("order a").metadata("orderId", big));
    Memory b = addOne(AddRequest.builder(ALICE).text("order b").metadata("orderId", big + 1));
    Memory c = addOne(AddRequest.builder(ALICE).text("order c").metadata("orderId", 7));
    Map<String, Memory> f = Map.of("a", a, "b", b, "c", c);
    assertFilter("order", f, Filter.eq("metadata.orderId", big + 1), "b");
    assertFilter("order", f, Filter.eq("metadata.orderId", big), "a");
    assertFilter("order", f, Filter.ne("metadata.orderId", big + 1), "a", "c");
    assertFilter("order", f, Filter.in("metadata.orderId", List.of(big + 1, 3)), "b");
    assertFilter("order", f, Filter.gt("metadata.orderId", big), "b");
    assertFilter("order", f, Filter.lte("metadata.orderId", (double) big), "a", "c");
    assertFilter("order", f, Filter.eq("metadata.orderId", 7.0), "c");
  }

  @Test
  void filter_andOrNot_compose() {
    Map<String, Memory> f = filterFixture();
    assertFilter(f, Filter.and(Filter.eq("tags", "food"), Filter.gt("metadata.n", 1)), "b");
    assertFilter(
        f, Filter.or(Filter.eq("kind", "procedural"), Filter.eq("metadata.vip", true)), "a", "c");
    assertFilter(
        f,
        Filter.not(Filter.or(Filter.eq("kind", "procedural"), Filter.eq("metadata.vip", true))),
        "b",
        "d");
    assertFilter(
        f,
        Filter.and(
            Filter.not(Filter.eq("metadata.topic", "nature")),
            Filter.or(Filter.lt("importance", 0.3), Filter.exists("sessionId"))),
        "a",
        "b");
    assertFilter(f, Filter.all(), "a", "b", "c", "d");
  }

  @Test
  void filter_onStatusAndTier_seesReadTimeDecay() {
    Memory fading = addOne(ALICE, "a passing remark");
    Memory kept = addOne(AddRequest.builder(ALICE).text("a core fact").tier(Tier.LONG_TERM));
    clock.advance(Duration.ofDays(40));
    assertEquals(
        List.of(fading.id()),
        listAll(ALICE, Filter.eq("status", Status.ARCHIVED)).stream().map(Memory::id).toList());
    assertEquals(
        List.of(kept.id()),
        listAll(ALICE, Filter.eq("status", "active")).stream().map(Memory::id).toList());
    assertEquals(
        List.of(kept.id()),
        store
            .search(query(ALICE, "remark fact").filter(Filter.eq("tier", Tier.LONG_TERM)).build())
            .stream()
            .map(h -> h.memory().id())
            .toList());
  }

  @Test
  void filter_onStatusTierAndUpdatedAt_pagesThroughEveryReadTimeMatch() {
    Set<MemoryId> fading = new HashSet<>();
    Set<MemoryId> lasting = new HashSet<>();
    for (int i = 0; i < 23; i++) {
      fading.add(addOne(ALICE, "passing remark " + i).id());
      lasting.add(
          addOne(AddRequest.builder(ALICE).text("core fact " + i).tier(Tier.LONG_TERM)).id());
    }
    clock.advance(Duration.ofDays(40));
    Instant recently = clock.instant().minus(Duration.ofDays(35));
    for (int round = 0; round < 2; round++) {
      assertEquals(fading, pagedIds(Filter.eq("status", Status.ARCHIVED)), "round " + round);
      assertEquals(lasting, pagedIds(Filter.eq("status", Status.ACTIVE)), "round " + round);
      assertEquals(
          lasting,
          pagedIds(Filter.and(Filter.eq("tier", "long_term"), Filter.ne("status", "archived"))));
      assertEquals(
          fading,
          pagedIds(Filter.gte("updatedAt", recently)),
          "archiving is dated when it became due, after the memories were stored");
      assertEquals(
          lasting,
          pagedIds(
              Filter.not(
                  Filter.or(Filter.eq("status", Status.ARCHIVED), Filter.eq("tier", "working")))));
      Set<MemoryId> archivedHits =
          store
              .search(
                  query(ALICE, "passing remark core fact")
                      .includeArchived(true)
                      .filter(Filter.eq("status", Status.ARCHIVED))
                      .limit(100)
                      .build())
              .stream()
              .map(h -> h.memory().id())
              .collect(Collectors.toSet());
      assertEquals(fading, archivedHits, "round " + round);
      store.maintain(); // the second round reads what maintenance stored
    }
  }

  private Set<MemoryId> pagedIds(Filter filter) {
    Set<MemoryId> ids = new HashSet<>();
    PageRequest page = PageRequest.first(4);
    int pages = 0;
    while (true) {
      Page<Memory> p = store.list(ALICE, filter, page);
      for (Memory m : p.items()) {
        assertTrue(ids.add(m.id()), "listed twice: " + m.id());
        assertTrue(filter.test(m), filter + " does not hold for " + m);
      }
      pages++;
      if (!p.hasNext()) {
        assertEquals(Math.max(1, (ids.size() + 3) / 4), pages, "pages of 4 for " + ids.size());
        return ids;
      }
      page = page.next(p);
    }
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
  void filter_randomisedAgainstTheReferenceSemantics() {
    long seed = Long.getLong("engram.seed", System.nanoTime());
    Random random = new Random(seed);
    String[] topics = {"cooking", "baking", "nature", "Cooking", "travel"};
    String[] tags = {"food", "dessert", "work", "home"};
    for (int i = 0; i < 60; i++) {
      AddRequest.Builder b =
          AddRequest.builder(
                  random.nextInt(4) == 0 ? ALICE.withSession("s" + random.nextInt(3)) : ALICE)
              .text("memory " + i + " " + topics[random.nextInt(topics.length)])
              .importance(random.nextInt(11) / 10.0)
              .kind(Kind.values()[random.nextInt(3)]);
      if (random.nextBoolean()) {
        b.metadata("topic", topics[random.nextInt(topics.length)]);
      }
      if (random.nextBoolean()) {
        b.metadata("n", random.nextInt(20) - 5);
      }
      if (random.nextInt(3) == 0) {
        b.metadata("x", random.nextDouble() * 10);
      }
      if (random.nextInt(3) == 0) {
        // Around 2^53, where doubles and longs part ways: stored as either.
        long big = (1L << 53) + random.nextInt(7) - 3;
        if (random.nextBoolean()) {
          b.metadata("big", big);
        } else {
          b.metadata("big", (double) big);
        }
      }
      if (random.nextInt(3) == 0) {
        b.metadata("flag", random.nextBoolean());
      }
      for (String t : tags) {
        if (random.nextInt(3) == 0) {
          b.tag(t);
        }
      }
      addOne(b);
      clock.advance(Duration.ofSeconds(random.nextInt(100)));
    }
    List<Memory> all = listAll(ALICE, Filter.all());
    for (int q = 0; q < 80; q++) {
      Filter filter = randomFilter(random, 3, topics, tags);
      Set<MemoryId> expected =
          all.stream().filter(filter).map(Memory::id).collect(Collectors.toSet());
      Set<MemoryId> listed =
          listAll(ALICE, filter).stream().map(Memory::id).collect(Collectors.toSet());
      assertEquals(
          expected,
          listed,
          "list disagrees with the reference for "
              + filter
              + "; reproduce with -Dengram.seed="
              + seed);
      Set<MemoryId> searched =
          store.search(query(ALICE, "memory").filter(filter).limit(100).build()).stream()
              .map(h -> h.memory().id())
              .collect(Collectors.toSet());
      assertEquals(
          expected,
          searched,
          "search disagrees with the reference for "
              + filter
              + "; reproduce with -Dengram.seed="
              + seed);
    }
  }

  private static Filter randomFilter(Random r, int depth, String[] topics, String[] tags) {
    int choice = r.nextInt(depth > 0 ? 14 : 10);
    return switch (choice) {
      case 0 -> Filter.eq("metadata.topic", topics[r.nextInt(topics.length)]);
      case 1 -> Filter.ne("metadata.n", r.nextInt(20) - 5);
      case 2 ->
          r.nextBoolean()
              ? Filter.gt("metadata.n", r.nextInt(20) - 5)
              : Filter.gt("metadata.n", r.nextInt(40) / 2.0 - 5);
      case 3 -> r.nextBoolean() ? Filter.lte("metadata.x", r.nextDouble() * 10) : bigFilter(r);
      case 4 ->
          Filter.in("tags", List.of(tags[r.nextInt(tags.length)], tags[r.nextInt(tags.length)]));
      case 5 -> Filter.nin("kind", List.of(Kind.values()[r.nextInt(3)]));
      case 6 -> Filter.gte("importance", r.nextInt(11) / 10.0);
      case 7 -> Filter.contains("metadata.topic", r.nextBoolean() ? "ook" : "a");
      case 8 -> Filter.exists(r.nextBoolean() ? "metadata.flag" : "sessionId");
      case 9 -> Filter.eq("metadata.flag", r.nextBoolean());
      case 10 -> Filter.not(randomFilter(r, depth - 1, topics, tags));
      case 11 ->
          Filter.and(
              randomFilter(r, depth - 1, topics, tags), randomFilter(r, depth - 1, topics, tags));
      case 12 ->
          Filter.or(
              randomFilter(r, depth - 1, topics, tags), randomFilter(r, depth - 1, topics, tags));
      default -> Filter.lt("metadata.topic", topics[r.nextInt(topics.length)]);
    };
  }

  /** A comparison of {@code metadata.big} with a long or a double operand near 2^53. */
  private static Filter bigFilter(Random r) {
    long v = (1L << 53) + r.nextInt(9) - 4;
    Object operand = r.nextBoolean() ? (Object) v : (Object) (double) v;
    String field = "metadata.big";
    return switch (r.nextInt(5)) {
      case 0 -> Filter.eq(field, operand);
      case 1 -> Filter.gt(field, operand);
      case 2 -> Filter.gte(field, operand);
      case 3 -> Filter.lt(field, operand);
      default -> Filter.lte(field, operand);
    };
  }

  // ------------------------------------------------------------------------------------ pagination

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
  void history_ofAScope_pagesInOrder() {
    for (int i = 0; i < 12; i++) {
      Memory m = addOne(ALICE, "fact " + i);
      store.update(ALICE, m.id(), MemoryUpdate.text("fact " + i + " revised"));
    }
    addOne(BOB, "bob");
    List<HistoryEvent> events = allHistory(ALICE);
    assertEquals(24, events.size());
    for (int i = 1; i < events.size(); i++) {
      assertTrue(events.get(i - 1).sequence() < events.get(i).sequence());
    }
    assertTrue(events.stream().allMatch(e -> ALICE.contains(e.scope())));
  }

  protected List<HistoryEvent> allHistory(Scope scope) {
    List<HistoryEvent> all = new ArrayList<>();
    PageRequest page = PageRequest.first(5);
    while (true) {
      Page<HistoryEvent> p = store.history(scope, page);
      all.addAll(p.items());
      if (!p.hasNext()) {
        return all;
      }
      page = page.next(p);
    }
  }

  // ------------------------------------------------------------------------------------ decay and
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

  // ------------------------------------------------------------------------------------ validation

  @Test
  void validation_badTextIsRejectedByName_andNothingIsWritten() {
    assertEquals(
        "message.text must not be null or blank",
        assertThrows(IllegalArgumentException.class, () -> store.add(ALICE, "  ")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> store.add(ALICE, (String) null));
    String big = "x".repeat(1025);
    IllegalArgumentException tooBig =
        assertThrows(
            IllegalArgumentException.class,
            () -> store.add(AddRequest.builder(ALICE).text("fine").text(big).build()));
    assertEquals(
        "messages[1].text is 1025 bytes of UTF-8; the limit is 1024 (Engram.Builder.maxTextBytes)",
        tooBig.getMessage());
    Memory m = addOne(ALICE, "keep me");
    assertThrows(
        IllegalArgumentException.class,
        () -> store.update(ALICE, m.id(), MemoryUpdate.text("é".repeat(600))));
    assertEquals(1, store.stats(ALICE).total(), "a rejected batch writes nothing");
    assertEquals("keep me", store.get(ALICE, m.id()).orElseThrow().text());
    assertEquals(1, store.history(ALICE, m.id()).size());
  }

  @Test
  void validation_malformedScopesNameTheField() {
    assertEquals(
        "scope needs at least one of userId, agentId or sessionId",
        assertThrows(IllegalArgumentException.class, () -> Scope.of(null, null, null))
            .getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Scope.user("a b"))
            .getMessage()
            .startsWith("scope.userId must be"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Scope.of("u", "../etc", null))
            .getMessage()
            .startsWith("scope.agentId must be"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Scope.of("u", null, "x".repeat(200)))
            .getMessage()
            .startsWith("scope.sessionId must be"));
    assertEquals("alice@example.com", Scope.user("alice@example.com").userId());
  }

  @Test
  void validation_badNumbersAndMetadataNameTheField() {
    assertEquals(
        "importance must be between 0 and 1, got NaN",
        assertThrows(
                IllegalArgumentException.class,
                () -> AddRequest.builder(ALICE).importance(Double.NaN))
            .getMessage());
    assertEquals(
        "metadata.score must be a finite number, got Infinity",
        assertThrows(
                IllegalArgumentException.class,
                () -> AddRequest.builder(ALICE).metadata("score", Double.POSITIVE_INFINITY))
            .getMessage());
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> AddRequest.builder(ALICE).metadata("bad key", 1))
            .getMessage()
            .startsWith("metadata key 'bad key'"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> AddRequest.builder(ALICE).metadata("when", Instant.now()))
            .getMessage()
            .startsWith(
                "metadata.when must be a string, boolean, long, double or list of strings"));
    assertEquals(
        "limit must be between 1 and 1000, got 0",
        assertThrows(
                IllegalArgumentException.class, () -> SearchRequest.builder(ALICE, "q").limit(0))
            .getMessage());
    assertEquals(
        "minScore must be between 0 and 1, got 1.5",
        assertThrows(
                IllegalArgumentException.class,
                () -> SearchRequest.builder(ALICE, "q").minScore(1.5))
            .getMessage());
    assertEquals(
        "query must not be null or blank",
        assertThrows(IllegalArgumentException.class, () -> SearchRequest.builder(ALICE, " "))
            .getMessage());
    assertEquals(
        "page.limit must be between 1 and 1000, got 5000",
        assertThrows(IllegalArgumentException.class, () -> PageRequest.first(5000)).getMessage());
  }

  @Test
  void validation_oversizeReasonsAndMetadataListsAreRejectedByName_andNothingIsWritten() {
    Memory m = addOne(ALICE, "keep me");
    String longReason = "x".repeat(HistoryEvent.MAX_REASON_LENGTH + 1);
    String expected = "reason is 1025 characters; at most 1024 are allowed";
    assertEquals(
        expected,
        assertThrows(IllegalArgumentException.class, () -> store.delete(ALICE, m.id(), longReason))
            .getMessage());
    assertEquals(
        expected,
        assertThrows(
                IllegalArgumentException.class, () -> store.invalidate(ALICE, m.id(), longReason))
            .getMessage());
    assertEquals(
        expected,
        assertThrows(IllegalArgumentException.class, () -> store.restore(ALICE, m.id(), longReason))
            .getMessage());
    assertEquals(
        expected,
        assertThrows(
                IllegalArgumentException.class, () -> MemoryUpdate.builder().reason(longReason))
            .getMessage());
    List<String> labels = new ArrayList<>();
    for (int i = 0; i <= Metadata.MAX_LIST_SIZE; i++) {
      labels.add("l" + i);
    }
    assertEquals(
        "metadata.labels has 257 entries; at most 256 are allowed",
        assertThrows(
                IllegalArgumentException.class,
                () -> AddRequest.builder(ALICE).metadata("labels", labels))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            store.update(
                ALICE, m.id(), MemoryUpdate.builder().metadata(Map.of("labels", labels)).build()));
    assertEquals(m, store.get(ALICE, m.id()).orElseThrow());
    assertEquals(1, store.history(ALICE, m.id()).size());
    store.delete(ALICE, m.id(), "x".repeat(HistoryEvent.MAX_REASON_LENGTH));
    assertEquals(2, store.history(ALICE, m.id()).size(), "a reason at the limit is fine");
  }

  @Test
  void validation_filtersNestAtMostMaxDepth_andOneAtTheLimitWorksEverywhere() {
    Memory remark = addOne(ALICE, "a passing remark");
    Memory fact = addOne(AddRequest.builder(ALICE).text("a core fact").tier(Tier.LONG_TERM));
    Filter deepest = Filter.eq("tier", Tier.LONG_TERM);
    while (deepest.depth() < Filter.MAX_DEPTH) {
      deepest =
          deepest.depth() % 2 == 0
              ? Filter.and(deepest, Filter.all())
              : Filter.or(deepest, Filter.eq("kind", "procedural"));
    }
    assertEquals(Filter.MAX_DEPTH, deepest.depth());
    Filter atLimit = deepest;
    assertEquals(List.of(fact.id()), listAll(ALICE, atLimit).stream().map(Memory::id).toList());
    assertEquals(
        List.of(fact.id()),
        store.search(query(ALICE, "remark fact").filter(atLimit).build()).stream()
            .map(h -> h.memory().id())
            .toList());
    assertTrue(atLimit.test(fact) && !atLimit.test(remark));

    assertEquals(
        "filter nests more than 32 levels of and / or / not",
        assertThrows(IllegalArgumentException.class, () -> Filter.not(atLimit)).getMessage());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> {
              Filter f = Filter.eq("tier", Tier.LONG_TERM);
              for (int i = 0; i < 100_000; i++) {
                f = Filter.not(f);
              }
            });
    assertEquals("filter nests more than 32 levels of and / or / not", e.getMessage());
  }

  @Test
  void validation_nullsNameTheField_badValuesAreIllegalArguments_missingArgumentsNullPointers() {
    assertEquals(
        "metadata.k must not be null",
        assertThrows(
                IllegalArgumentException.class, () -> AddRequest.builder(ALICE).metadata("k", null))
            .getMessage());
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> AddRequest.builder(ALICE).metadata(null, 1))
            .getMessage()
            .startsWith("metadata key 'null'"));
    List<String> withNull = new ArrayList<>(List.of("a"));
    withNull.add(null);
    assertEquals(
        "keywords must not contain null or blank entries",
        assertThrows(
                IllegalArgumentException.class, () -> MemoryUpdate.builder().keywords(withNull))
            .getMessage());
    assertEquals(
        "tags must not contain null or blank entries",
        assertThrows(IllegalArgumentException.class, () -> MemoryUpdate.builder().tags(withNull))
            .getMessage());
    assertEquals(
        "scope.userId must not be null",
        assertThrows(NullPointerException.class, () -> Scope.user(null)).getMessage());
    assertEquals(
        "userId must not be null",
        assertThrows(NullPointerException.class, () -> store.purgeUser(null)).getMessage());
    Memory m = addOne(ALICE, "a note");
    assertEquals(
        "from must not be null",
        assertThrows(NullPointerException.class, () -> store.link(ALICE, null, m.id(), "related"))
            .getMessage());
    assertEquals(
        "to must not be null",
        assertThrows(NullPointerException.class, () -> store.link(ALICE, m.id(), null, "related"))
            .getMessage());
    assertEquals(List.of(m), listAll(ALICE, Filter.all()));
  }

  @Test
  void validation_filtersNameTheirField() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Filter.eq("colour", "red"))
            .getMessage()
            .startsWith("unknown filter field 'colour'"));
    assertEquals(
        "filter on 'importance' needs a number, got String 'high'",
        assertThrows(IllegalArgumentException.class, () -> Filter.gt("importance", "high"))
            .getMessage());
    assertEquals(
        "filter on 'importance' needs a finite number, got NaN",
        assertThrows(IllegalArgumentException.class, () -> Filter.eq("importance", Double.NaN))
            .getMessage());
    assertEquals(
        "filter on 'tier' supports eq, ne, in and nin only, not range operators",
        assertThrows(IllegalArgumentException.class, () -> Filter.gt("tier", "LONG_TERM"))
            .getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Filter.eq("status", "gone"))
            .getMessage()
            .startsWith("filter on 'status' needs one of"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Filter.lt("createdAt", "yesterday"))
            .getMessage()
            .startsWith("filter on 'createdAt' needs an ISO-8601 instant"));
    assertEquals(
        "filter 'in' on 'tags' needs at least one value",
        assertThrows(IllegalArgumentException.class, () -> Filter.in("tags", List.of()))
            .getMessage());
  }

  // ------------------------------------------------------------------------------------
  // concurrency

  @Test
  void concurrency_manyThreadsLoseNoUpdateAndCreateNoDuplicate() throws Exception {
    int threads = 16;
    int rounds = 20;
    Memory shared = addOne(ALICE, "shared counter");
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    Set<MemoryId> addedIds = ConcurrentHashMap.newKeySet();
    AtomicLong sharedHits = new AtomicLong();
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < rounds; i++) {
                    Memory mine = addOne(ALICE, "thread " + thread + " round " + i);
                    assertTrue(addedIds.add(mine.id()));
                    store.update(
                        ALICE,
                        shared.id(),
                        MemoryUpdate.text("shared counter by " + thread + " at " + i));
                    for (SearchHit h :
                        store.search(
                            SearchRequest.builder(ALICE, "shared counter").limit(3).build())) {
                      if (h.memory().id().equals(shared.id())) {
                        sharedHits.incrementAndGet();
                      }
                    }
                    if (i % 4 == 0) {
                      store.delete(ALICE, mine.id(), "cleanup");
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertEquals(threads * rounds, addedIds.size());
    List<Memory> all = listAll(ALICE, Filter.all());
    assertEquals(threads * rounds + 1, all.size());
    assertEquals(threads * rounds + 1, new HashSet<>(all.stream().map(Memory::id).toList()).size());
    assertEquals(
        threads * rounds / 4, all.stream().filter(m -> m.status() == Status.DELETED).count());

    List<HistoryEvent> history = store.history(ALICE, shared.id());
    List<HistoryEvent> updates =
        history.stream().filter(e -> e.type() == EventType.UPDATE).toList();
    assertEquals(threads * rounds, updates.size(), "no update lost");
    for (int i = 1; i < history.size(); i++) {
      assertEquals(
          history.get(i - 1).after().version(),
          history.get(i).before().version(),
          "each change starts from the previous one");
    }
    Memory finalShared = store.get(ALICE, shared.id()).orElseThrow();
    assertEquals(updates.get(updates.size() - 1).after().text(), finalShared.text());
    assertEquals(
        sharedHits.get(),
        finalShared.accessCount(),
        "no reinforcement lost to a concurrent update");
  }

  @Test
  void concurrency_manyOwnersAtOnce_withPurgeAndMaintenanceRacing_neverMixOwners()
      throws Exception {
    Scope[] owners = {
      ALICE, BOB, Scope.user("carol"), Scope.of("alice", "travel-bot", null), Scope.agent("bot")
    };
    // Old memories that are due to be archived, so maintenance has work while the writers write.
    for (Scope owner : owners) {
      for (int i = 0; i < 5; i++) {
        addOne(owner, "old note " + i + " of " + tag(owner));
      }
    }
    clock.advance(Duration.ofDays(40));
    int writersPerOwner = 2;
    int rounds = 12;
    Scope doomed = Scope.user("dave");
    ExecutorService pool = Executors.newFixedThreadPool(owners.length * writersPerOwner + 2);
    CountDownLatch start = new CountDownLatch(1);
    Map<Scope, Set<MemoryId>> written = new ConcurrentHashMap<>();
    AtomicLong maintenancePasses = new AtomicLong();
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Future<?>> writers = new ArrayList<>();
    List<Future<?>> racers = new ArrayList<>();
    try {
      for (Scope owner : owners) {
        written.put(owner, ConcurrentHashMap.newKeySet());
        for (int t = 0; t < writersPerOwner; t++) {
          int thread = t;
          writers.add(
              pool.submit(
                  () -> {
                    start.await();
                    for (int i = 0; i < rounds; i++) {
                      Memory m =
                          addOne(
                              owner.withSession("s" + thread),
                              "secret " + tag(owner) + " from " + thread + " round " + i);
                      written.get(owner).add(m.id());
                      if (i % 3 == 0) {
                        store.update(owner, m.id(), MemoryUpdate.text(m.text() + " (revised)"));
                      }
                      for (SearchHit h :
                          store.search(
                              SearchRequest.builder(owner, "secret round").limit(20).build())) {
                        assertOwn(owner, h.memory());
                      }
                      for (Memory listed : store.list(owner).items()) {
                        assertOwn(owner, listed);
                      }
                      for (HistoryEvent e : store.history(owner, PageRequest.first(50)).items()) {
                        assertTrue(owner.contains(e.scope()), "event of another owner: " + e);
                      }
                    }
                    return null;
                  }));
        }
      }
      racers.add(
          pool.submit(
              () -> {
                start.await();
                while (writing.get()) {
                  store.maintain();
                  maintenancePasses.incrementAndGet();
                }
                return null;
              }));
      racers.add(
          pool.submit(
              () -> {
                start.await();
                while (writing.get()) {
                  Memory m = addOne(doomed.withSession("x"), "dave's note");
                  assertTrue(store.purge(doomed, m.id()));
                  addOne(doomed.withSession("y"), "dave's other note");
                  store.purgeScope(doomed.withSession("y"));
                  store.purgeUser("dave");
                }
                return null;
              }));
      start.countDown();
      for (Future<?> f : writers) {
        f.get(300, TimeUnit.SECONDS);
      }
      writing.set(false);
      for (Future<?> f : racers) {
        f.get(300, TimeUnit.SECONDS);
      }
    } finally {
      writing.set(false);
      pool.shutdownNow();
    }

    assertTrue(maintenancePasses.get() > 0);
    store.purgeUser("dave");
    assertTrue(listAll(doomed, Filter.all()).isEmpty());
    for (Scope owner : owners) {
      List<Memory> all = listAll(owner, Filter.all());
      all.forEach(m -> assertOwn(owner, m));
      Set<MemoryId> ids = all.stream().map(Memory::id).collect(Collectors.toSet());
      assertEquals(all.size(), ids.size(), "no duplicates for " + owner);
      assertTrue(ids.containsAll(written.get(owner)), "every acknowledged write of " + owner);
      assertEquals(5 + writersPerOwner * rounds, all.size());
      assertEquals(5, store.stats(owner).byStatus().get(Status.ARCHIVED), owner.toString());
      for (MemoryId id : written.get(owner)) {
        for (HistoryEvent e : store.history(owner, id)) {
          assertTrue(owner.contains(e.scope()));
        }
      }
    }
  }

  private static String tag(Scope owner) {
    return "[" + owner.userId() + "/" + owner.agentId() + "]";
  }

  private static void assertOwn(Scope owner, Memory m) {
    assertTrue(owner.contains(m.scope()), m.scope() + " is not " + owner);
    assertTrue(m.text().contains(tag(owner)), m.text() + " read through " + owner);
  }

  @Test
  void concurrency_readersSeeEveryWriteAsSoonAsItReturns() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 25; i++) {
                    String word = "token" + thread + "x" + i;
                    Memory m = addOne(ALICE, "note " + word);
                    assertEquals(m, store.get(ALICE, m.id()).orElseThrow());
                    List<SearchHit> found =
                        store.search(
                            query(ALICE, word).filter(Filter.eq("id", m.id().value())).build());
                    assertEquals(
                        List.of(m.id()), found.stream().map(h -> h.memory().id()).toList());
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ------------------------------------------------------------------------------------
  // persistence

  @Test
  void persistence_memoriesAndHistorySurviveReopening() {
    assumeTrue(isPersistent(), "backend is not persistent");
    Memory m =
        addOne(
            AddRequest.builder(ALICE)
                .text("Alice's birthday is 3 June")
                .metadata("n", 3)
                .tag("family"));
    store.update(ALICE, m.id(), MemoryUpdate.text("Alice's birthday is 4 June"));
    Memory other = addOne(BOB, "bob");
    store.purge(BOB, other.id());
    List<HistoryEvent> before = store.history(ALICE, m.id());

    reopen();

    assertEquals("Alice's birthday is 4 June", store.get(ALICE, m.id()).orElseThrow().text());
    assertEquals(before, store.history(ALICE, m.id()));
    assertEquals(
        List.of("Alice's birthday is 4 June"),
        texts(store.search(query(ALICE, "birthday").build())));
    assertEquals(EventType.PURGE, store.history(BOB, other.id()).get(0).type());
    Memory next = addOne(ALICE, "after reopening");
    assertTrue(
        store.history(ALICE, next.id()).get(0).sequence()
            > before.get(before.size() - 1).sequence());
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
