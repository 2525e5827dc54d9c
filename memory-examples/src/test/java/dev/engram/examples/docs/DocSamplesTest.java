package dev.engram.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.memory.Scope;
import dev.engram.memory.Tier;
import dev.engram.recall.SearchHit;
import dev.engram.retrieval.EmbeddedMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code in README.md and docs/ is compiled: every Java block there must appear, verbatim up to
 * whitespace, in a test source of this repository, where it compiles and runs. The samples below
 * are the ones that have no better home.
 */
class DocSamplesTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

  @TempDir Path dir;

  @Test
  void everyJavaSampleInTheDocsIsCompiledTestCode() throws IOException {
    StringBuilder sources = new StringBuilder();
    try (Stream<Path> files = Files.walk(ROOT)) {
      for (Path p :
          files
              .filter(f -> f.toString().endsWith(".java") && f.toString().contains("src/test/java"))
              .toList()) {
        sources.append(normalize(Files.readString(p))).append('\n');
      }
    }
    List<Path> docs = new ArrayList<>();
    docs.add(ROOT.resolve("README.md"));
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).forEach(docs::add);
    }
    int checked = 0;
    for (Path doc : docs) {
      Matcher m = JAVA_BLOCK.matcher(Files.readString(doc));
      while (m.find()) {
        String sample = normalize(m.group(1));
        assertTrue(
            sources.indexOf(sample) >= 0,
            doc + " has a Java sample that no test compiles; copy it from a test:\n" + m.group(1));
        checked++;
      }
    }
    assertTrue(checked >= 5, "only " + checked + " samples found");
  }

  /** Whitespace does not count, so the formatter may wrap test code freely. */
  private static String normalize(String code) {
    return code.replaceAll("\\s+", " ").replaceAll(" ?([^\\w ]) ?", "$1").strip();
  }

  @Test
  void readmeQuickStart() throws Exception {
    Path path = dir.resolve("memory");
    // README: quick start
    try (MemoryStore memory = EmbeddedMemory.open(path)) {
      memory.add(Scope.user("alice"), "I am allergic to peanuts");
      memory.search(Scope.user("alice"), "what should I not eat?").forEach(System.out::println);
    }
    // end
    try (MemoryStore memory = EmbeddedMemory.open(path)) {
      List<SearchHit> hits = memory.search(Scope.user("alice"), "what should I not eat?");
      assertEquals("I am allergic to peanuts", hits.get(0).text(), "persisted across reopening");
    }
  }

  @Test
  void gettingStartedCustomStore() throws Exception {
    Path path = dir.resolve("memory");
    // docs/getting-started.md: custom store
    MemoryStore memory =
        Engram.builder()
            .backend(EmbeddedMemory.backend(path).commitInterval(Duration.ofSeconds(2)).build())
            .decay(DecayPolicy.builder().timeConstant(Tier.LONG_TERM, Duration.ofDays(365)).build())
            .maintenanceInterval(Duration.ofHours(6))
            .build();
    // end
    try (memory) {
      memory.add(Scope.user("alice").withSession("support-42"), "My order #1234 arrived damaged");
      assertFalse(memory.search(Scope.user("alice"), "damaged order").isEmpty());
      assertTrue(
          memory
                  .list(
                      Scope.user("alice"),
                      Filter.eq("sessionId", "support-42"),
                      dev.engram.PageRequest.first())
                  .items()
                  .size()
              == 1);
    }
  }

  @Test
  void embeddedStoreReadOnly() throws Exception {
    Path path = dir.resolve("memory");
    try (MemoryStore writer = EmbeddedMemory.open(path)) {
      writer.add(Scope.user("alice"), "I am allergic to peanuts");
      // docs/embedded-store.md: reading a store another process writes
      try (MemoryStore memory = EmbeddedMemory.openReadOnly(path)) {
        memory.search(Scope.user("alice"), "what should I not eat?").forEach(System.out::println);
      }
      // end
      try (MemoryStore memory = EmbeddedMemory.openReadOnly(path)) {
        assertEquals(
            "I am allergic to peanuts",
            memory.search(Scope.user("alice"), "what should I not eat?").get(0).text(),
            "a read-only open sees what the writer holding the store acknowledged");
      }
    }
  }
}
