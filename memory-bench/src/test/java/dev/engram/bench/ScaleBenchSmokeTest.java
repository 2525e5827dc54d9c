package dev.engram.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/** The scale command at toy sizes, so it cannot rot. It times nothing that CI checks. */
class ScaleBenchSmokeTest {
  @TempDir Path dir;

  @Test
  void theScaleCommandRunsEndToEnd() throws Exception {
    ScaleBench.Options o =
        ScaleBench.parse(
            new String[] {
              "--sizes",
              "300,600",
              "--real-embeddings-up-to",
              "300",
              "--queries",
              "20",
              "--threads",
              "1,2",
              "--recovery-writes",
              "200",
              "--runs",
              "2",
              "--work",
              dir.resolve("work").toString(),
              "--out",
              dir.resolve("out").toString()
            });
    JsonNode report =
        ScaleBench.run(
            o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    Charts.write(report, o.out());
    assertEquals(2, report.get("sizes").size());
    for (JsonNode s : report.get("sizes")) {
      assertTrue(s.get("ingest").get("memoriesPerSecond").asDouble() > 0);
      assertTrue(s.get("concurrentIngest").get("memoriesPerSecond").asDouble() > 0);
      assertEquals(
          200, s.get("recovery").get("recovered").asInt(), "every logged write is recovered");
      double recall = s.get("hnsw").get("recallAt10").asDouble();
      assertTrue(recall > 0.5 && recall <= 1.0, "recall " + recall);
      assertTrue(s.get("peers").get("langchain4jInMemoryExact").get("p50Ms").asDouble() > 0);
      assertEquals(2, s.get("throughputQps").size());
      JsonNode supplied = s.get("search").get("vectorSupplied");
      assertEquals(2, supplied.get("runs").asInt());
      assertTrue(
          supplied.get("p50RangeMs").get(0).asDouble() <= supplied.get("p50Ms").asDouble()
              && supplied.get("p50Ms").asDouble() <= supplied.get("p50RangeMs").get(1).asDouble(),
          "the median lies within the spread: " + supplied);
      assertTrue(s.get("ratios").get("inMemoryExactOverVectorSupplied").asDouble() > 0);
    }
    JsonNode real = report.get("sizes").get(0);
    assertTrue(report.get("embeddingModel").get("batchedPassagesPerSecond").asDouble() > 0);
    assertTrue(real.get("ratios").get("ingestOverModelOnPassages").asDouble() > 0);
    double control = real.get("hnsw").get("syntheticVectorsSameSize").get("recallAt10").asDouble();
    assertTrue(control > 0.5 && control <= 1.0, "synthetic control recall " + control);
    assertTrue(Files.readString(o.out().resolve("scale.md")).contains("| 600 |"));
    assertTrue(Files.readString(o.out().resolve("latency-vs-size.svg")).startsWith("<svg"));
  }

  @Test
  void theShapeComparisonRunsEndToEnd() throws Exception {
    ScaleBench.Options o =
        ScaleBench.parse(
            new String[] {
              "--only-shapes",
              "--sizes",
              "400",
              "--queries",
              "10",
              "--runs",
              "1",
              "--peer-queries",
              "5",
              "--work",
              dir.resolve("work").toString(),
              "--out",
              dir.resolve("out").toString()
            });
    JsonNode report =
        ScaleBench.run(
            o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    JsonNode size = report.get("shapes").get("sizes").get(0);
    for (String shape : new String[] {"one-user", "many-users"}) {
      JsonNode s = size.get(shape);
      assertEquals(10, s.get("latencyMs").get("engramHybrid").get("calls").asInt(), shape);
      assertEquals(5, s.get("latencyMs").get("inMemoryPeer").get("calls").asInt(), shape);
      assertTrue(s.get("engramOverFloorP50").asDouble() > 0, shape);
      // One measured run: each query's best run is its only one.
      JsonNode hybrid = s.get("latencyMs").get("engramHybrid");
      assertEquals(
          hybrid.get("p99").asDouble(), hybrid.get("bestPerQuery").get("p99").asDouble(), shape);
      assertTrue(s.get("storeIndex").get("segments").asInt() >= 1, shape);
      // maintain() after the load leaves one segment, or the load's if merging was not worth it.
      int asLoaded = s.get("storeIndexAsLoaded").get("segments").asInt();
      assertEquals(
          s.get("compacted").asBoolean() ? 1 : asLoaded,
          s.get("storeIndex").get("segments").asInt(),
          shape);
      assertEquals(400, s.get("storeIndex").get("documents").asInt(), "memories only: " + shape);
      JsonNode embeddedQuery = s.get("latencyMs").get("engramQueryEmbedded");
      assertEquals(10, embeddedQuery.get("calls").asInt(), shape);
      assertEquals(10, embeddedQuery.get("modelCalls").asInt(), "the model embeds each query");
      assertTrue(embeddedQuery.get("modelP50").asDouble() > 0, shape);
    }
    assertEquals(1, size.get("one-user").get("users").asInt());
    assertEquals(2, size.get("many-users").get("users").asInt());
    assertTrue(ShapeBench.table(report.get("shapes")).contains("| one user |"));
  }

  @Test
  void bestPerQuery_takesEachQuerysFastestRun() {
    // Two rounds over three queries, recorded round by round.
    List<Double> timings = List.of(5.0, 1.0, 9.0, 4.0, 2.0, 30.0);
    assertEquals(List.of(4.0, 1.0, 9.0), ShapeBench.bestPerQuery(timings, 3));
    assertThrows(
        IllegalArgumentException.class, () -> ShapeBench.bestPerQuery(List.of(1.0, 2.0), 3));
  }

  @Test
  @EnabledIfEnvironmentVariable(
      named = "ENGRAM_OPENSEARCH_URL",
      matches = ".+",
      disabledReason =
          "no OpenSearch node: run scripts/opensearch start and set ENGRAM_OPENSEARCH_URL")
  void theShapeComparisonOnOpenSearchRunsEndToEnd() throws Exception {
    ScaleBench.Options o =
        ScaleBench.parse(
            new String[] {
              "--only-shapes",
              "--sizes",
              "400",
              "--queries",
              "10",
              "--runs",
              "1",
              "--peer-queries",
              "5",
              "--backend",
              "opensearch",
              "--url",
              System.getenv("ENGRAM_OPENSEARCH_URL"),
              "--work",
              dir.resolve("work").toString(),
              "--out",
              dir.resolve("out").toString()
            });
    JsonNode report =
        ScaleBench.run(
            o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    JsonNode size = report.get("shapes").get("sizes").get(0);
    for (String shape : new String[] {"one-user", "many-users"}) {
      JsonNode os = size.get(shape).get("openSearch");
      assertEquals(10, os.get("latencyMs").get("hybridVectorSupplied").get("calls").asInt(), shape);
      JsonNode queryEmbedded = os.get("latencyMs").get("hybridQueryEmbedded");
      assertEquals(10, queryEmbedded.get("calls").asInt(), shape);
      assertEquals(10, queryEmbedded.get("modelCalls").asInt(), "the model embeds each query");
      assertTrue(os.get("ingestMemoriesPerSecond").asDouble() > 0, shape);
    }
    String table = OpenSearchShape.table(report.get("shapes"));
    assertTrue(table.contains("| 400 | one user |") && table.contains("| 400 | 2 users |"), table);
  }

  @Test
  void backend_takesEmbeddedOrOpenSearch() {
    assertEquals(
        "--backend takes embedded or opensearch, got 'lucene'",
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> ScaleBench.parse(new String[] {"--backend", "lucene"}))
            .getMessage());
  }
}
