package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.decay.RankingWeights;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.recall.ScoreBreakdown;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Search through the candidate lists the backend supplies: the better match first, limit and
 * minimum score, explanations, and reinforcement of what was recalled.
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class RecallContract extends StoreContract {
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
}
