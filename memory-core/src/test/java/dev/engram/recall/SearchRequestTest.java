package dev.engram.recall;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.decay.RankingWeights;
import dev.engram.filter.Filter;
import dev.engram.memory.Scope;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SearchRequestTest {
  @Test
  void toBuilder_keepsEverySetting_andChangesOnlyWhatIsSet() {
    Instant asOf = Instant.parse("2026-01-02T03:04:05Z");
    SearchRequest original =
        SearchRequest.builder(Scope.user("alice"), "tea")
            .filter(Filter.eq("tier", "long_term"))
            .limit(7)
            .minScore(0.25)
            .explain(true)
            .includeArchived(true)
            .asOf(asOf)
            .expandLinks(true)
            .weights(new RankingWeights(0.5, 0.3, 0.2))
            .queryVector(new float[] {1, 2, 3})
            .build();
    SearchRequest copy = original.toBuilder().reinforce(false).build();
    assertTrue(original.reinforce());
    assertFalse(copy.reinforce());
    assertEquals(original.scope(), copy.scope());
    assertEquals(original.query(), copy.query());
    assertEquals(original.filter(), copy.filter());
    assertEquals(7, copy.limit());
    assertEquals(0.25, copy.minScore());
    assertTrue(copy.explain() && copy.includeArchived() && copy.expandLinks());
    assertEquals(asOf, copy.asOf());
    assertEquals(original.weights(), copy.weights());
    assertArrayEquals(new float[] {1, 2, 3}, copy.queryVector());
  }
}
