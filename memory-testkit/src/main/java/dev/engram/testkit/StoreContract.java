package dev.engram.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.backend.BackendCapability;
import dev.engram.backend.MemoryBackend;
import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.MemoryPipeline;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every contract of the testkit shares: a store over the backend under test with a {@link
 * ManualClock}, opened before each test and closed after it, and helpers.
 *
 * <p>The store under test is the one store implementation over your backend, so the contracts check
 * what the backend must get right: storing and returning values exactly, filtering like {@link
 * Filter#test}, scoping like {@link Scope#contains}, candidate lists, atomicity and thread safety.
 * The contracts are split by capability, the way langchain4j splits its embedding store suites:
 * every backend passes {@link CrudContract}, {@link ScopeContract}, {@link FilterContract}, {@link
 * HistoryContract}, {@link RecallContract}, {@link DecayContract}, {@link ValidationContract},
 * {@link ConcurrencyContract} and {@link CandidateContract}; a backend that declares {@link
 * BackendCapability#PERSISTENT} also passes {@link DurabilityContract}.
 */
public abstract class StoreContract {
  /** The fake clock's start: a fixed instant, so failures reproduce. */
  protected static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");

  protected static final Scope ALICE = Scope.user("alice");

  protected static final Scope BOB = Scope.user("bob");

  /** A per-test directory persistent backends may use. */
  @TempDir protected Path dir;

  protected ManualClock clock;

  protected MemoryStore store;

  /** The backend instance the open store runs on; tests may query it directly. */
  protected MemoryBackend backend;

  /** The backend under test, storing under {@code dir} if it is persistent. */
  protected abstract MemoryBackend newBackend(Path dir);

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
    backend = newBackend(dir);
    return Engram.builder().backend(backend).clock(clock).decay(decayPolicy()).maxTextBytes(1024);
  }

  /**
   * Closes the store and opens it again on the same directory with a pipeline (a persistent backend
   * keeps what was stored; an in-memory one starts empty).
   */
  protected void reopenWith(MemoryPipeline pipeline) {
    store.close();
    store = storeBuilder().pipeline(pipeline).build();
  }

  /** The capabilities the backend under test declares. */
  protected Set<BackendCapability> declaredCapabilities() {
    return backend.capabilities();
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

  SearchRequest.Builder query(Scope scope, String text) {
    return SearchRequest.builder(scope, text).reinforce(false);
  }

  static HistoryEvent last(List<HistoryEvent> events) {
    return events.get(events.size() - 1);
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

  Map<String, Memory> filterFixture() {
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

  void assertFilter(Map<String, Memory> fixture, Filter filter, String... expectedKeys) {
    assertFilter("apple banana cherry date pie bread trees night", fixture, filter, expectedKeys);
  }

  void assertFilter(
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

  static Set<String> names(Map<String, Memory> fixture, Set<MemoryId> ids) {
    return fixture.entrySet().stream()
        .filter(e -> ids.contains(e.getValue().id()))
        .map(Map.Entry::getKey)
        .collect(Collectors.toSet());
  }

  Set<MemoryId> pagedIds(Filter filter) {
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

  static Filter randomFilter(Random r, int depth, String[] topics, String[] tags) {
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
  static Filter bigFilter(Random r) {
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

  static String tag(Scope owner) {
    return "[" + owner.userId() + "/" + owner.agentId() + "]";
  }

  static void assertOwn(Scope owner, Memory m) {
    assertTrue(owner.contains(m.scope()), m.scope() + " is not " + owner);
    assertTrue(m.text().contains(tag(owner)), m.text() + " read through " + owner);
  }
}
