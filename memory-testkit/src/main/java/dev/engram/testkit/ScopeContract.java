package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryNotFoundException;
import dev.engram.MemoryStore;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Scopes and isolation: no memory, score or event of one owner reaches another, through search,
 * list, get, history, changes or filters; purges remove exactly their scope.
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class ScopeContract extends StoreContract {
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
}
