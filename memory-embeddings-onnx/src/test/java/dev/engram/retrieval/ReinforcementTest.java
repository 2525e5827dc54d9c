package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.memory.Tier;
import dev.engram.recall.SearchHit;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recall reinforces what was really recalled: with the default model and settings, searches leave
 * the memories they only returned to fill the list untouched (issue: five searches for tea
 * reinforced a bicycle, a dentist, Paris and a passport; ten searches promoted nine of twelve).
 */
class ReinforcementTest {
  private static final Scope ALICE = Scope.user("alice");

  @TempDir Path dir;

  private MemoryStore open() {
    return Engram.builder().backend(EmbeddedMemory.backend(dir).build()).build();
  }

  private static Map<String, Memory> byText(MemoryStore s) {
    return s.list(ALICE).items().stream()
        .collect(Collectors.toMap(Memory::text, m -> m, (a, b) -> a, LinkedHashMap::new));
  }

  @Test
  void fiveSearchesForTea_reinforceOnlyTheTea() {
    try (MemoryStore s = open()) {
      s.add(
          AddRequest.builder(ALICE)
              .text("I drink jasmine green tea every morning")
              .text("My bicycle is a blue Brompton")
              .text("My dentist appointment is on the 14th")
              .text("I spent a week in Paris last spring")
              .text("My passport expires in 2027")
              .build());
      for (int i = 0; i < 5; i++) {
        List<SearchHit> hits = s.search(ALICE, "which tea do I drink?");
        assertEquals("I drink jasmine green tea every morning", hits.get(0).text());
      }
      s.maintain();
      Map<String, Memory> after = byText(s);
      assertEquals(5, after.get("I drink jasmine green tea every morning").accessCount());
      after.forEach(
          (text, m) -> {
            if (!text.contains("tea")) {
              assertEquals(0, m.accessCount(), "an unrelated memory was reinforced: " + text);
            }
          });
    }
  }

  @Test
  void fifteenSearches_promoteOnlyWhatTheyFound() {
    Map<String, String> questions = new LinkedHashMap<>();
    questions.put("My sister Ana lives in Porto", "where does my sister live?");
    questions.put("I am allergic to shellfish", "what food must I avoid?");
    questions.put("My cat is called Miso", "what is my cat's name?");
    questions.put("I work as a nurse at the city hospital", "what is my job?");
    questions.put("My favourite band is Radiohead", "which band do I like best?");
    List<String> others =
        List.of(
            "The car needs new tyres before winter",
            "I keep my spare keys in the blue drawer",
            "Our wedding anniversary is in June",
            "I started learning the cello last year",
            "The wifi password is on the fridge",
            "I run five kilometres on Saturdays",
            "My grandmother's recipe uses cardamom");
    try (MemoryStore s = open()) {
      AddRequest.Builder b = AddRequest.builder(ALICE);
      questions.keySet().forEach(b::text);
      others.forEach(b::text);
      s.add(b.build());
      for (int round = 0; round < 3; round++) {
        for (Map.Entry<String, String> q : questions.entrySet()) {
          List<SearchHit> hits = s.search(ALICE, q.getValue());
          assertEquals(q.getKey(), hits.get(0).text(), q.getValue());
        }
      }
      s.maintain();
      Map<String, Memory> after = byText(s);
      for (String target : questions.keySet()) {
        assertEquals(3, after.get(target).accessCount(), target);
        assertEquals(Tier.LONG_TERM, after.get(target).tier(), "recalled three times: " + target);
      }
      for (String other : others) {
        Memory m = after.get(other);
        assertEquals(0, m.accessCount(), "an unrelated memory was reinforced: " + other);
        assertEquals(Tier.SHORT_TERM, m.tier(), other);
      }
      assertEquals(12, after.size());
    }
  }
}
