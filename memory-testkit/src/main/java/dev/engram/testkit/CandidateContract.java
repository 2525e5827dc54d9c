package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.backend.BackendCapability;
import dev.engram.backend.Candidate;
import dev.engram.backend.CandidateQuery;
import dev.engram.backend.Candidates;
import dev.engram.backend.ForwardingBackend;
import dev.engram.backend.MemoryBackend;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.recall.Admission;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The candidate lists a backend supplies to recall: best first, no deeper than asked, every
 * candidate inside the query's filter and scope, lexical scores from the scope's own statistics,
 * and a vector list exactly when the backend declares vector search.
 */
public abstract class CandidateContract extends StoreContract {
  private static final List<String> TEXTS =
      List.of(
          "I drink jasmine green tea every morning",
          "Green tea tastes better without sugar",
          "My bicycle is a blue Brompton",
          "The dentist appointment is on the 14th",
          "I spent a week in Paris drinking tea",
          "My passport expires in 2027",
          "Black tea with milk is what my father drinks",
          "The garden needs watering on Sundays");

  private void addAll(Scope scope, List<String> texts) {
    AddRequest.Builder b = AddRequest.builder(scope);
    texts.forEach(b::text);
    store.add(b.build());
  }

  private CandidateQuery query(Scope scope, String text, List<String> terms, int depth) {
    return new CandidateQuery(
        scope,
        text,
        terms,
        null,
        Filter.and(Admission.scope(scope), Filter.eq("status", "ACTIVE")),
        depth,
        true,
        true);
  }

  private static void assertBestFirst(List<Candidate> list, String which) {
    for (int i = 1; i < list.size(); i++) {
      assertTrue(
          list.get(i - 1).score() >= list.get(i).score(),
          which + " list not best first at " + i + ": " + list);
    }
  }

  @Test
  void candidates_areBestFirst_noDeeperThanAsked_andInsideTheScope() {
    addAll(ALICE, TEXTS);
    addAll(BOB, List.of("Bob drinks green tea too", "Bob's tea is oolong"));
    for (int depth : new int[] {1, 3, 100}) {
      Candidates c = backend.candidates(query(ALICE, "green tea", List.of("green", "tea"), depth));
      assertTrue(c.lexical().size() <= depth, "lexical deeper than " + depth);
      assertTrue(c.vector().size() <= depth, "vector deeper than " + depth);
      assertBestFirst(c.lexical(), "lexical");
      assertBestFirst(c.vector(), "vector");
      for (Candidate x : concat(c)) {
        assertEquals(ALICE, x.memory().scope(), "a candidate of another scope: " + x);
      }
      assertFalse(c.lexical().isEmpty(), "green tea matches words of alice's memories");
      assertTrue(c.lexical().get(0).memory().text().toLowerCase().contains("green tea"));
    }
    Candidates all = backend.candidates(query(ALICE, "green tea", List.of("green", "tea"), 100));
    // Four of alice's memories hold "tea" or "green"; none of the rest may be a lexical candidate.
    assertEquals(4, all.lexical().size(), "lexical candidates: " + all.lexical());
    assertEquals(
        declaredCapabilities().contains(BackendCapability.VECTOR_SEARCH),
        !all.vector().isEmpty(),
        "a backend answers the vector list exactly when it declares VECTOR_SEARCH");
  }

  @Test
  void candidates_honourTheFilterWhileRanking_notAfter() {
    addAll(ALICE, TEXTS);
    Memory target =
        addOne(AddRequest.builder(ALICE).text("Tea ceremony notes").metadata("topic", "japan"));
    CandidateQuery q =
        new CandidateQuery(
            ALICE,
            "tea",
            List.of("tea"),
            null,
            Filter.and(Admission.scope(ALICE), Filter.eq("metadata.topic", "japan")),
            1,
            true,
            true);
    Candidates c = backend.candidates(q);
    assertEquals(List.of(target.id()), ids(c.lexical()), "the filter applies before the depth");
    if (declaredCapabilities().contains(BackendCapability.VECTOR_SEARCH)) {
      assertEquals(List.of(target.id()), ids(c.vector()));
    }
  }

  @Test
  void candidates_lexicalScoresOfOneScope_ignoreEveryOtherScope() {
    addAll(ALICE, TEXTS);
    CandidateQuery q = query(ALICE, "green tea", List.of("green", "tea"), 100);
    List<Candidate> before = backend.candidates(q).lexical();
    List<String> flood = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      flood.add("tea tea tea number " + i);
    }
    addAll(BOB, flood);
    addAll(Scope.user("carol"), List.of("green green green", "green tea again"));
    List<Candidate> after = backend.candidates(q).lexical();
    assertEquals(ids(before), ids(after));
    for (int i = 0; i < before.size(); i++) {
      assertEquals(
          before.get(i).score(),
          after.get(i).score(),
          1e-9,
          "another owner's data changed the score of " + before.get(i).memory().text());
    }
  }

  @Test
  void ranking_isRecallsAlone_theSameCandidatesRankAlikeOverAnyBackend() {
    store.close();
    Map<String, Candidates> recorded = new LinkedHashMap<>();
    MemoryBackend under = newBackend(dir);
    store = storeOver(new Recording(under, recorded));
    addAll(ALICE, TEXTS);
    clock.advance(Duration.ofDays(3));
    Memory old = addOne(ALICE, "I drink rooibos in the evening");
    store.invalidate(ALICE, old.id(), "switched to chamomile");
    addOne(ALICE, "I drink chamomile in the evening");
    addAll(BOB, List.of("Bob drinks green tea too"));
    clock.advance(Duration.ofDays(1));
    store.add(
        AddRequest.builder(ALICE)
            .message(Message.user("Which tea should I try next?").withName("Alice"))
            .message(Message.assistant("A first-flush Darjeeling: light and floral."))
            .message(Message.user("I bought a Darjeeling in Paris last year").withName("Alice"))
            .infer(false)
            .build());
    clock.advance(Duration.ofHours(1));
    List<String> queries =
        List.of(
            "which tea do I drink?",
            "what do I drink in the evening",
            "Darjeeling",
            "what did I buy in Paris",
            "bicycle");
    Map<String, List<SearchHit>> expected = new LinkedHashMap<>();
    for (String q : queries) {
      expected.put(q, store.search(request(q)));
    }
    List<Memory> stored = listAll(ALICE, Filter.eq("status", "ACTIVE"));
    stored = new ArrayList<>(stored);
    stored.addAll(listAll(ALICE, Filter.ne("status", "ACTIVE")));
    store.close();

    store = storeOver(new ReplayBackend(stored, recorded, under.capabilities()));
    for (String q : queries) {
      List<SearchHit> want = expected.get(q);
      List<SearchHit> got = store.search(request(q));
      assertFalse(want.isEmpty(), "'" + q + "' found nothing on the backend under test");
      assertEquals(
          ids(want, SearchHit::memory),
          ids(got, SearchHit::memory),
          "'" + q + "' ranks differently over the same candidates: " + want + " vs " + got);
      for (int i = 0; i < want.size(); i++) {
        assertEquals(want.get(i).score(), got.get(i).score(), 1e-12, q + " #" + i);
        assertEquals(want.get(i).explanation(), got.get(i).explanation(), q + " #" + i);
      }
    }
  }

  private dev.engram.MemoryStore storeOver(MemoryBackend b) {
    backend = b;
    return Engram.builder().backend(b).clock(clock).decay(decayPolicy()).maxTextBytes(1024).build();
  }

  private static SearchRequest request(String query) {
    return SearchRequest.builder(ALICE, query).limit(10).explain(true).reinforce(false).build();
  }

  /** The backend under test, recording the candidate lists it answers, by query text. */
  private static final class Recording extends ForwardingBackend {
    private final Map<String, Candidates> recorded;

    Recording(MemoryBackend delegate, Map<String, Candidates> recorded) {
      super(delegate);
      this.recorded = recorded;
    }

    @Override
    public Candidates candidates(CandidateQuery query) {
      Candidates c = super.candidates(query);
      recorded.put(query.text(), c);
      return c;
    }
  }

  private static List<Candidate> concat(Candidates c) {
    List<Candidate> all = new ArrayList<>(c.lexical());
    all.addAll(c.vector());
    return all;
  }

  private static List<MemoryId> ids(List<Candidate> list) {
    return ids(list, Candidate::memory);
  }

  private static <T> List<MemoryId> ids(List<T> list, Function<T, Memory> memory) {
    return list.stream().map(memory).map(Memory::id).toList();
  }
}
