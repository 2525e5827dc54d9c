package dev.engram.recall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.decay.RankingWeights;
import dev.engram.memory.Scope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TimeSignalTest {
  private static final Scope ALICE = Scope.user("alice");
  private static final String DATED = "Alice moved to Porto in 2023";
  private static final String UNDATED = "Alice then moved to Porto";
  // A weak match, so that min-max fusion leaves the two close matches close.
  private static final String WEAK = "Porto is far from here and the trains are slow";
  private static final String OTHER = "Bob plays chess every Sunday";

  /** Each hit's text with its score, best first, for one query under the settings. */
  private static Map<String, SearchHit> search(RecallSettings settings, String query) {
    try (MemoryStore store = Engram.builder().recall(settings).build()) {
      for (String text : List.of(DATED, UNDATED, WEAK, OTHER)) {
        store.add(ALICE, text);
      }
      Map<String, SearchHit> out = new LinkedHashMap<>();
      for (SearchHit h :
          store.search(
              SearchRequest.builder(ALICE, query)
                  .weights(RankingWeights.RELEVANCE_ONLY)
                  .explain(true)
                  .reinforce(false)
                  .build())) {
        out.put(h.text(), h);
      }
      return out;
    }
  }

  private static RecallSettings time(double weight) {
    return RecallSettings.builder().timeWeight(weight).build();
  }

  private static String first(Map<String, SearchHit> hits) {
    return hits.keySet().iterator().next();
  }

  @Test
  void aTimeQuestion_liftsTheMemoryThatNamesATime() {
    String q = "When did Alice move to Porto?";
    Map<String, SearchHit> off = search(time(0), q);
    assertEquals(UNDATED, first(off), "without the signal the shorter lexical match leads");

    Map<String, SearchHit> on = search(time(0.2), q);
    double before = off.get(DATED).score() / off.get(UNDATED).score();
    double after = on.get(DATED).score() / on.get(UNDATED).score();
    assertEquals(before * 1.2, after, 1e-9, "the dated memory gains a factor 1 + timeWeight");
    assertEquals(1.2, on.get(DATED).explanation().signals().get("timeFactor"), 1e-12);
    assertNull(on.get(UNDATED).explanation().signals().get("timeFactor"));

    assertEquals(DATED, first(on), "and here ranks first");
  }

  @Test
  void aQuestionNotAboutTime_changesNothing() {
    String q = "Where did Alice move to?";
    Map<String, SearchHit> off = search(time(0), q);
    Map<String, SearchHit> on = search(time(0.2), q);
    assertEquals(List.copyOf(off.keySet()), List.copyOf(on.keySet()));
    for (String text : off.keySet()) {
      assertEquals(off.get(text).score(), on.get(text).score(), 0, text);
      assertFalse(on.get(text).explanation().signals().containsKey("timeFactor"), text);
    }
  }

  @Test
  void weightZero_changesNothing() {
    String q = "When did Alice move to Porto?";
    RecallSettings noCues =
        RecallSettings.builder().timeCues(TimeCues.of(Set.of(), Set.of())).build();
    Map<String, SearchHit> without = search(noCues, q);
    Map<String, SearchHit> zero = search(time(0), q);
    assertEquals(List.copyOf(without.keySet()), List.copyOf(zero.keySet()));
    for (String text : without.keySet()) {
      assertEquals(without.get(text).score(), zero.get(text).score(), 0, text);
      assertFalse(zero.get(text).explanation().signals().containsKey("timeFactor"), text);
    }
  }

  @Test
  void englishCues_tellTimeQuestionsAndTextsThatNameATime() {
    TimeCues en = TimeCues.english();
    for (String q :
        List.of(
            "When did Melanie paint a sunrise?",
            "How long ago was Caroline's 18th birthday?",
            "Which year did John start surfing?",
            "What month did they meet?",
            "How many years has she been a nurse?")) {
      assertTrue(en.asksAboutTime(q), q);
    }
    for (String q : List.of("What does Alice do for a living?", "Where is the whenua?")) {
      assertFalse(en.asksAboutTime(q), q);
    }
    for (String t :
        List.of(
            "We met on 8 May 2023.",
            "The release was 2023-05-08",
            "I went to the beach yesterday",
            "She started a year ago",
            "Last week I painted a lake",
            "see you on Friday",
            "in March we hiked",
            "May 8th works for me",
            "It took 3 months")) {
      assertTrue(en.namesTime(t), t);
    }
    for (String t :
        List.of("I may go hiking", "She paints lakes", "Room 12 is free", "Call 5551234567")) {
      assertFalse(en.namesTime(t), t);
    }
  }

  @Test
  void otherLanguages_plugInTheirCues() {
    TimeCues de = TimeCues.of(Set.of("wann", "wie lange"), Set.of("gestern", "letzte woche"));
    assertTrue(de.asksAboutTime("Wann ist Alice umgezogen?"));
    assertFalse(de.asksAboutTime("When did Alice move?"));
    assertTrue(de.namesTime("Alice ist gestern umgezogen"));
    assertTrue(de.namesTime("Alice ist im Mai 2023 umgezogen"), "a year names a time anywhere");
    assertFalse(de.namesTime("Alice ist umgezogen"));
  }

  @Test
  void settings_validateTheTimeWeightAndCues() {
    assertEquals(0.2, RecallSettings.defaults().timeWeight());
    assertEquals(0.2, RecallSettings.defaults().replyWeight());
    assertEquals(
        "timeWeight must be between 0 and 1, got 1.5",
        assertThrows(IllegalArgumentException.class, () -> RecallSettings.builder().timeWeight(1.5))
            .getMessage());
    assertEquals(
        "timeCues must not be null",
        assertThrows(NullPointerException.class, () -> RecallSettings.builder().timeCues(null))
            .getMessage());
    assertEquals(
        "timePhrases must hold phrases of words, got ' '",
        assertThrows(IllegalArgumentException.class, () -> TimeCues.of(Set.of(), Set.of(" ")))
            .getMessage());
  }
}
