package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.MemoryUpdate;
import dev.engram.PageRequest;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.Metadata;
import dev.engram.memory.Scope;
import dev.engram.memory.Tier;
import dev.engram.recall.SearchRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bad input is refused by name and nothing is written.
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class ValidationContract extends StoreContract {
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
}
