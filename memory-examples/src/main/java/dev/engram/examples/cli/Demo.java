package dev.engram.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MaintenanceReport;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.StoreStats;
import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.EmbeddedMemory;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The guided tour: a small multi-session conversation written for this project goes into a fresh
 * embedded store under a simulated clock, then recall, history and forgetting are shown. Output is
 * deterministic (fixed clock, fixed data).
 */
final class Demo {
  private static final DecayPolicy DECAY = DecayPolicy.defaults();

  private final PrintStream out;
  private final AtomicReference<Instant> now = new AtomicReference<>();
  private final InstantSource clock = now::get;

  Demo(PrintStream out) {
    this.out = out;
  }

  int run(String storeDir) throws IOException {
    Path keep = storeDir != null ? Path.of(storeDir) : null;
    if (keep != null && Files.exists(keep) && !isEmptyDirectory(keep)) {
      // The demo writes Maya's conversation under a simulated clock: never into a real store.
      throw new UsageException(
          "demo --store needs a new or empty directory to leave the demo's store in, got " + keep);
    }
    JsonNode script;
    try (InputStream in =
        Demo.class.getResourceAsStream("/dev/engram/examples/demo-conversation.json")) {
      script = new ObjectMapper().readTree(in);
    }
    Path dir = keep == null ? Files.createTempDirectory("engram-demo-") : null;
    try (MemoryStore store =
        Engram.builder()
            .backend(EmbeddedMemory.backend(keep != null ? keep : dir.resolve("store")).build())
            .clock(clock)
            .build()) {
      tour(store, script);
    } finally {
      if (dir != null) {
        Stores.deleteRecursively(dir);
      }
    }
    if (keep != null) {
      out.println();
      out.println(
          "The demo's store is in "
              + keep
              + ": explore it with  ./engram list --store "
              + keep
              + " --user "
              + script.get("user").asText());
    }
    return 0;
  }

  private static boolean isEmptyDirectory(Path p) throws IOException {
    if (!Files.isDirectory(p)) {
      return false;
    }
    try (var entries = Files.list(p)) {
      return entries.findAny().isEmpty();
    }
  }

  private void tour(MemoryStore store, JsonNode script) {
    Scope maya = Scope.user(script.get("user").asText());
    heading("1. Three conversations over five weeks");
    out.println(
        "Each turn is stored verbatim as a short-term episodic memory, with its real date and");
    out.println(
        "speaker. The facts below each session are what the LLM pipeline would extract; with no");
    out.println("LLM in this demo they are added directly, as long-term semantic memories.");
    String[][] facts = {
      {"Maya works at a bakery near Alfama in Lisbon", "0.6"},
      {"Maya is training for the Lisbon half marathon in October 2025", "0.7"},
      {"Maya is allergic to shellfish", "0.95"},
      {"Maya adopted a beagle mix named Pastel on 16 March 2025", "0.7"},
      {"Maya's sister Inês visits Lisbon in April 2025", "0.5"},
    };
    Memory bakery = null;
    Memory marathon = null;
    Memory dog = null;
    Memory sister = null;
    int f = 0;
    int session = 0;
    for (JsonNode s : script.get("sessions")) {
      session++;
      Instant date = Instant.parse(s.get("date").asText());
      now.set(date.plus(Duration.ofMinutes(20)));
      AddRequest.Builder b =
          AddRequest.builder(maya.withSession("session-" + session)).observedAt(date).infer(false);
      int turn = 0;
      for (JsonNode t : s.get("turns")) {
        turn++;
        boolean user = t.get(0).asText().equals("user");
        String name = script.get("speakers").get(t.get(0).asText()).asText();
        Message m = user ? Message.user(t.get(1).asText()) : Message.assistant(t.get(1).asText());
        b.message(m.withName(name).withId("s" + session + ":" + turn));
      }
      store.add(b.build());
      out.printf(Locale.ROOT, "%n  session %d, %s: %d turns%n", session, day(date), turn);
      int upTo = session == 1 ? 3 : 5;
      for (; f < upTo; f++) {
        Memory fact = fact(store, maya, facts[f][0], Double.parseDouble(facts[f][1]), date);
        out.println("    fact: " + fact.text());
        switch (f) {
          case 0 -> bakery = fact;
          case 1 -> marathon = fact;
          case 3 -> dog = fact;
          case 4 -> sister = fact;
          default -> {}
        }
      }
    }
    now.set(Instant.parse("2025-04-08T09:00:00Z"));

    heading("2. Recall on " + day(now.get()) + ", with each score explained");
    out.println(
        "score = (0.7 relevance + 0.2 retention + 0.1 importance) / 1.0; turns from March have");
    out.println("already faded below the archive threshold, the facts have not.");
    for (String q :
        List.of(
            "What food should Maya avoid?",
            "What is the name of Maya's dog?",
            "How far has Maya run?")) {
      out.println();
      out.println("  Q: " + q);
      for (SearchHit h :
          store.search(
              SearchRequest.builder(maya, q).limit(3).explain(true).reinforce(false).build())) {
        out.printf(
            Locale.ROOT,
            "    %.3f  %-9s %s%n           relevance %.3f, retention %.3f, importance %.2f%n",
            h.score(),
            h.memory().kind() == Kind.EPISODIC ? "[turn]" : "[fact]",
            h.text(),
            h.explanation().relevance(),
            h.explanation().retention(),
            h.explanation().importance());
      }
    }

    heading("3. History: a changed job and a refined fact");
    Instant changed = Instant.parse("2025-04-07T20:40:00Z");
    Memory library =
        fact(
            store,
            maya,
            "Maya works at the city library, running the children's reading programme",
            0.6,
            changed);
    store.invalidate(maya, bakery.id(), "Maya left the bakery for the library (session 3)");
    store.link(maya, library.id(), bakery.id(), Link.SUPERSEDES);
    store.update(
        maya,
        marathon.id(),
        MemoryUpdate.builder()
            .text(
                "Maya is training for the Lisbon half marathon in October 2025; her longest run so far is 16 km")
            .reason("session 3: ran 16 km")
            .build());
    printHistory(store, maya, bakery);
    printHistory(store, maya, marathon);
    out.println();
    out.println(
        "  Where does Maya work now?  -> " + top(store, maya, "Where does Maya work?", null));
    out.println(
        "  ...and on 20 March 2025?   -> "
            + top(store, maya, "Where does Maya work?", Instant.parse("2025-03-20T12:00:00Z")));

    heading("4. Forgetting over simulated time");
    out.println(
        "retention R = exp(-Δt / (τ_tier · S)); recall raises the strength S and restarts Δt.");
    for (int week = 1; week <= 3; week++) {
      now.set(now.get().plus(Duration.ofDays(7)));
      // An assistant recalling facts (not raw turns) about the dog, once a week.
      store.search(
          SearchRequest.builder(maya, "What is the name of Maya's dog?")
              .filter(Filter.eq("kind", Kind.SEMANTIC))
              .limit(1)
              .build());
    }
    dog = store.get(maya, dog.id()).orElseThrow();
    out.printf(
        Locale.ROOT,
        "%n  recalled 3 times in 3 weeks: \"%s\" (strength %.0f, %s)%n",
        dog.text(),
        dog.strength(),
        dog.tier().name().toLowerCase(Locale.ROOT));
    out.printf(
        Locale.ROOT,
        "  never recalled:              \"%s\" (strength %.0f)%n",
        sister.text(),
        sister.strength());
    out.printf(Locale.ROOT, "%n  %-14s %10s %10s%n", "", "dog fact", "sister fact");
    for (int days : new int[] {0, 90, 365, 730}) {
      Instant t = now.get().plus(Duration.ofDays(days));
      out.printf(
          Locale.ROOT,
          "  %-14s %10.3f %10.3f%n",
          days == 0 ? "today" : "in " + days + " days",
          DECAY.retention(dog, t),
          DECAY.retention(store.get(maya, sister.id()).orElseThrow(), t));
    }
    now.set(now.get().plus(Duration.ofDays(730)));
    MaintenanceReport r = store.maintain();
    out.printf(
        Locale.ROOT,
        "%n  two years later, maintenance: %d memories examined, %d archived, %d moved tier%n",
        r.scanned(),
        r.archived(),
        r.promoted());
    out.println(
        "  dog fact:    "
            + store.get(maya, dog.id()).orElseThrow().status().name().toLowerCase(Locale.ROOT));
    out.println(
        "  sister fact: "
            + store.get(maya, sister.id()).orElseThrow().status().name().toLowerCase(Locale.ROOT)
            + " (archived, not deleted: still listed and restorable)");
    StoreStats stats = store.stats(maya);
    StringBuilder counts =
        new StringBuilder(
            String.format(Locale.ROOT, "%n  Maya's memory: %d in all;", stats.total()));
    for (Status s : Status.values()) {
      counts.append(
          String.format(
              Locale.ROOT, " %s %d", s.name().toLowerCase(Locale.ROOT), stats.byStatus().get(s)));
    }
    counts.append(String.format(Locale.ROOT, "%n  active by tier:"));
    for (Tier t : Tier.values()) {
      counts.append(
          String.format(
              Locale.ROOT, " %s %d", t.name().toLowerCase(Locale.ROOT), stats.byTier().get(t)));
    }
    out.println(counts);
    heading("Done");
    out.println(
        "Try it yourself:  ./engram add \"I like green tea\"  then  ./engram search \"what do I drink?\" --explain");
  }

  private Memory fact(
      MemoryStore store, Scope scope, String text, double importance, Instant observed) {
    return store
        .add(
            AddRequest.builder(scope)
                .text(text)
                .kind(Kind.SEMANTIC)
                .tier(Tier.LONG_TERM)
                .importance(importance)
                .observedAt(observed)
                .infer(false)
                .build())
        .added()
        .get(0);
  }

  private String top(MemoryStore store, Scope scope, String q, Instant asOf) {
    SearchRequest.Builder b = SearchRequest.builder(scope, q).limit(5).reinforce(false);
    if (asOf != null) {
      b.asOf(asOf);
    }
    return store.search(b.build()).stream()
        .filter(h -> h.memory().kind() == Kind.SEMANTIC)
        .findFirst()
        .map(SearchHit::text)
        .orElse("(nothing)");
  }

  private void printHistory(MemoryStore store, Scope scope, Memory m) {
    out.println();
    out.println("  history of \"" + m.text() + "\":");
    for (HistoryEvent e : store.history(scope, m.id())) {
      out.println(
          String.format(
                  Locale.ROOT,
                  "    %s %-10s %s",
                  day(e.at()),
                  e.type(),
                  e.reason().isEmpty() ? "" : "(" + e.reason() + ")")
              .stripTrailing());
      if (e.type().name().equals("UPDATE")) {
        out.println("               before: " + e.before().text());
        out.println("               after:  " + e.after().text());
      }
      if (e.type().name().equals("INVALIDATE")) {
        out.println(
            "               valid "
                + day(e.after().validFrom())
                + " to "
                + day(e.after().validTo()));
      }
    }
  }

  private void heading(String title) {
    out.println();
    out.println("== " + title);
  }

  private static String day(Instant i) {
    return i.toString().substring(0, 10);
  }
}
