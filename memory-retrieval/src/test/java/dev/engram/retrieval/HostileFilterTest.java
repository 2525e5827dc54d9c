package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.PageRequest;
import dev.engram.filter.Filter;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 5: filters too large or too complex for Lucene are one IllegalArgumentException
 * naming the kind of filter, not a raw TooManyClauses or TooComplexToDeterminizeException.
 */
class HostileFilterTest {
  private static final Scope ALICE = Scope.user("alice");

  @TempDir Path dir;

  private MemoryStore open() {
    return Engram.builder()
        .backend(EmbeddedMemory.backend(dir.resolve("store")).embedder(new HashEmbedder()).build())
        .build();
  }

  @Test
  void anAndOfThousandsOfFilters_isATooLargeFilterError() {
    List<Filter> many = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      many.add(Filter.ne("metadata.k" + (i % 50), "v" + i));
    }
    try (MemoryStore s = open()) {
      s.add(ALICE, "a memory");
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> s.list(ALICE, Filter.and(many), PageRequest.first(10)));
      assertEquals(
          "the filter is too large for the index: it expands to more than 1024 clauses (each"
              + " value of an in or nin filter and each filter of an and or or counts); use fewer"
              + " values or split the request",
          e.getMessage());
      s.add(ALICE, "still writable");
    }
  }

  @Test
  void anInWithAHundredThousandValues_searchesOrFailsClearly() {
    List<String> values = IntStream.range(0, 100_000).mapToObj(i -> "v" + i).toList();
    try (MemoryStore s = open()) {
      s.add(ALICE, "a memory");
      try {
        s.search(
            SearchRequest.builder(ALICE, "memory").filter(Filter.in("metadata.k", values)).build());
      } catch (IllegalArgumentException e) {
        assertEquals(true, e.getMessage().startsWith("the filter is too large"), e.getMessage());
      }
    }
  }

  @Test
  void aContainsWithALongValue_isAClearError() {
    try (MemoryStore s = open()) {
      s.add(ALICE, "a memory");
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  s.list(
                      ALICE,
                      Filter.contains("metadata.k", "ab".repeat(2048)),
                      PageRequest.first(10)));
      assertEquals(
          "a contains filter's value is too complex to search; use a shorter value",
          e.getMessage());
    }
  }
}
