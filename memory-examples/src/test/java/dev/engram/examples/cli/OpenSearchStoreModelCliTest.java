package dev.engram.examples.cli;

import static dev.engram.examples.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import dev.engram.memory.Scope;
import dev.engram.opensearch.OpenSearchMemory;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * With {@code --backend opensearch} the command line picks the model as for an embedded store: a
 * new store gets e5-small-v2, a store built with bge-small-en-v1.5 is searched with bge.
 */
@EnabledIfEnvironmentVariable(
    named = "ENGRAM_OPENSEARCH_URL",
    matches = ".+",
    disabledReason =
        "no OpenSearch node: run scripts/opensearch start and set ENGRAM_OPENSEARCH_URL to the URL"
            + " it prints (.ci/run does both)")
class OpenSearchStoreModelCliTest {
  private final String url = System.getenv("ENGRAM_OPENSEARCH_URL");
  private final String prefix = "engram-cli-model-" + Long.toHexString(System.nanoTime());

  private OpenSearchMemory.Builder store() {
    return OpenSearchMemory.builder().url(url).indexPrefix(prefix);
  }

  @AfterEach
  void deleteTheStore() {
    store().deleteStore();
  }

  @Test
  void aNewStore_getsE5() {
    CliRun add =
        run(
            "add",
            "--backend",
            "opensearch",
            "--url",
            url,
            "--index-prefix",
            prefix,
            "I commute by bike");
    assertEquals(0, add.code(), add.err());
    assertEquals(Optional.of(OnnxEmbedders.E5_SMALL_V2_ID), store().recordedModel());
  }

  @Test
  void aStoreBuiltWithBge_isSearchedWithBge() {
    try (MemoryStore s =
        Engram.builder().backend(store().embedder(OnnxEmbedders.bgeSmallEn()).backend()).build()) {
      s.add(Scope.user("me"), "I am allergic to peanuts");
      s.add(Scope.user("me"), "My dog is called Pastel");
    }
    CliRun search =
        run(
            "search",
            "--backend",
            "opensearch",
            "--url",
            url,
            "--index-prefix",
            prefix,
            "do I have any pets?");
    assertEquals(0, search.code(), search.err());
    assertTrue(search.out().contains("My dog is called Pastel"), search.out());
    assertEquals(Optional.of(OnnxEmbedders.BGE_SMALL_EN_ID), store().recordedModel());
  }
}
