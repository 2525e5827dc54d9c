package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.engram.AddRequest;
import dev.engram.filter.Filter;
import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every filter operator on fields and metadata, composed and at read-time decay, against {@link
 * dev.engram.filter.Filter#test} as the reference (a seeded randomised test prints its seed).
 *
 * <p>Extend it (for example as a JUnit {@code @Nested} class beside the other contracts) and return
 * your backend from {@link #newBackend(Path)}.
 */
public abstract class FilterContract extends StoreContract {
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
}
