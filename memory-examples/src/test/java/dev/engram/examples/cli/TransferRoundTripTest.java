package dev.engram.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.MemoryCodec;
import dev.engram.embed.Embedder;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.opensearch.OpenSearchMemory;
import dev.engram.retrieval.EmbeddedMemory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store moves embedded → OpenSearch → embedded with nothing lost: every memory exactly, and each
 * memory's history (renumbered by the target, in the same order); the OpenSearch store uses another
 * embedding model, so importing re-embeds. Importing again adds nothing.
 */
@EnabledIfEnvironmentVariable(
    named = "ENGRAM_OPENSEARCH_URL",
    matches = ".+",
    disabledReason =
        "no OpenSearch node: run scripts/opensearch start and set ENGRAM_OPENSEARCH_URL to the URL"
            + " it prints (.ci/run does both)")
class TransferRoundTripTest {
  @TempDir Path dir;

  /** A deterministic model of any dimension: vectors from the text's bytes. */
  record FakeEmbedder(String modelId, int dimension) implements Embedder {
    @Override
    public float[] embed(String text) {
      float[] v = new float[dimension];
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < bytes.length; i++) {
        v[i % dimension] += (bytes[i] & 0xff) * (i + 1);
      }
      double norm = 0;
      for (float f : v) {
        norm += f * f;
      }
      if (norm == 0) {
        v[0] = 1;
        return v;
      }
      for (int i = 0; i < dimension; i++) {
        v[i] = (float) (v[i] / Math.sqrt(norm));
      }
      return v;
    }
  }

  @Test
  void embeddedToOpenSearchToEmbedded_losesNothing_andImportingAgainAddsNothing() throws Exception {
    Embedder small = new FakeEmbedder("fake-16", 16);
    Embedder other = new FakeEmbedder("fake-8", 8);
    String url = System.getenv("ENGRAM_OPENSEARCH_URL");
    String prefix = "engram-transfer-" + Long.toHexString(System.nanoTime());
    try (MemoryStore a =
        Engram.builder()
            .backend(EmbeddedMemory.backend(dir.resolve("a")).embedder(small).build())
            .build()) {
      Scope alice = Scope.user("alice");
      Memory first =
          a.add(
                  AddRequest.builder(alice)
                      .text("Alice's gate code is 2580")
                      .metadata("n", 3)
                      .metadata("big", (1L << 53) + 1)
                      .tag("home")
                      .build())
              .events()
              .get(0)
              .after();
      a.update(alice, first.id(), MemoryUpdate.text("Alice's gate code is 2581"));
      Memory second = a.add(alice, "Alice likes green tea").events().get(0).after();
      a.delete(alice, second.id(), "not true any more");
      a.add(Scope.user("bob").withSession("s1"), "Bob is flying to Oslo", "Bob has a cat");
      a.add(Scope.agent("helper"), "Answer briefly");
    }
    Path f1 = dir.resolve("1.jsonl");
    Path f2 = dir.resolve("2.jsonl");
    Path f3 = dir.resolve("3.jsonl");
    try (MemoryBackend a = EmbeddedMemory.backend(dir.resolve("a")).embedder(small).build()) {
      assertEquals(5, Transfer.export(a, f1, (d, t) -> {}));
    }
    OpenSearchMemory.Builder os =
        OpenSearchMemory.builder().url(url).indexPrefix(prefix).embedder(other);
    try {
      try (MemoryBackend b = os.backend()) {
        assertEquals(new Transfer.Imported(5, 0), Transfer.importInto(b, f1, (d, t) -> {}));
        assertEquals(new Transfer.Imported(0, 5), Transfer.importInto(b, f1, (d, t) -> {}));
        Transfer.export(b, f2, (d, t) -> {});
      }
    } finally {
      os.deleteStore();
    }
    try (MemoryBackend c = EmbeddedMemory.backend(dir.resolve("c")).embedder(small).build()) {
      assertEquals(new Transfer.Imported(5, 0), Transfer.importInto(c, f2, (d, t) -> {}));
      Transfer.export(c, f3, (d, t) -> {});
    }
    List<JsonNode> original = lines(f1);
    assertFalse(original.isEmpty());
    assertEquals(original, lines(f2));
    assertEquals(original, lines(f3));
  }

  /** The export's memory lines, with event sequences left out (the target renumbers them). */
  private static List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    List<String> all = Files.readAllLines(file);
    for (String line : all.subList(1, all.size())) {
      JsonNode n = MemoryCodec.mapper().readTree(line);
      for (JsonNode e : n.path("history")) {
        ((ObjectNode) e).remove("seq");
      }
      out.add(n);
    }
    return out;
  }
}
