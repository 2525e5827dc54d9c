package dev.engram.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The sample of docs/opensearch.md, run against the test node. */
@EnabledIfEnvironmentVariable(
    named = OpenSearchContractTest.URL_VARIABLE,
    matches = ".+",
    disabledReason =
        "no OpenSearch node: run scripts/opensearch start and set ENGRAM_OPENSEARCH_URL")
class OpenSearchDocSampleTest {
  @AfterEach
  void deleteTheSampleStore() {
    OpenSearchMemory.builder().url(OpenSearchContractTest.url()).indexPrefix("myapp").deleteStore();
  }

  @Test
  void quickStart() {
    String url = OpenSearchContractTest.url();
    // docs/opensearch.md, with the node the tests run against
    try (MemoryStore memory = OpenSearchMemory.builder().url(url).indexPrefix("myapp").open()) {
      memory.add(Scope.user("alice"), "I am allergic to peanuts");
      memory.search(Scope.user("alice"), "what should I not eat?").forEach(System.out::println);
    }
    // end
    try (MemoryStore memory = OpenSearchMemory.builder().url(url).indexPrefix("myapp").open()) {
      assertEquals(
          "I am allergic to peanuts",
          memory.search(Scope.user("alice"), "what should I not eat?").get(0).text(),
          "the sample's memory is stored in the cluster");
    }
  }
}
