package dev.engram.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.embed.Embedder;
import dev.engram.memory.Scope;
import dev.engram.opensearch.OpenSearchMemory;
import dev.engram.recall.SearchRequest;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One shape of {@link ShapeBench} on an OpenSearch store ({@code scale --backend opensearch --url
 * URL}): the same memories, vectors, queries and query users as the embedded store of the same run,
 * ingested in the same batches, then searched with the vector supplied (the model's time is the
 * same on both backends: embeddings are computed in process), and then with the query embedded by
 * the real model ({@link QueryEmbeddedTiming}). The store's indices are made for the run and
 * deleted after it.
 */
final class OpenSearchShape {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BATCH = 200;

  private OpenSearchShape() {}

  static ObjectNode measure(
      ScaleBench.Options o,
      int n,
      int users,
      SyntheticEmbedder embedder,
      Embedder model,
      List<String> queries,
      float[][] qv,
      int[] queryUsers,
      int warmup,
      PrintStream log) {
    ObjectNode r = JSON.createObjectNode();
    OpenSearchMemory.Builder builder =
        OpenSearchMemory.builder()
            .url(o.openSearchUrl())
            .indexPrefix("engram-bench-" + n + "-" + users)
            .embedder(embedder);
    builder.deleteStore();
    try {
      long t0 = System.nanoTime();
      try (MemoryStore store = Engram.builder().backend(builder.backend()).build()) {
        for (int u = 0; u < users; u++) {
          AddRequest.Builder b = null;
          int inBatch = 0;
          for (int i = u; i < n; i += users) {
            if (b == null) {
              b = AddRequest.builder(Scope.user("u" + u)).infer(false);
            }
            b.text(SyntheticData.memory(o.seed(), i));
            if (++inBatch == BATCH) {
              store.add(b.build());
              b = null;
              inBatch = 0;
            }
          }
          if (b != null) {
            store.add(b.build());
          }
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      log.printf(
          Locale.ROOT, "  OpenSearch ingest %,d in %.1f s (%.0f/s)%n", n, seconds, n / seconds);
      r.put("ingestMemoriesPerSecond", ScaleBench.round(n / seconds));

      List<Double> vectorSupplied = new ArrayList<>();
      try (MemoryStore store = Engram.builder().backend(builder.backend()).build()) {
        for (int round = 1 - warmup; round <= o.runs(); round++) {
          for (int i = 0; i < queries.size(); i++) {
            SearchRequest request =
                SearchRequest.builder(Scope.user("u" + queryUsers[i]), queries.get(i))
                    .limit(10)
                    .reinforce(false)
                    .queryVector(qv[i])
                    .build();
            long a = System.nanoTime();
            store.search(request);
            if (round > 0) {
              vectorSupplied.add((System.nanoTime() - a) / 1e6);
            }
          }
        }
      }
      ObjectNode latency = r.putObject("latencyMs");
      ObjectNode l = latency.putObject("hybridVectorSupplied");
      l.put("calls", vectorSupplied.size());
      l.put("p50", ScaleBench.round(ScaleBench.percentile(vectorSupplied, 0.50)));
      l.put("p99", ScaleBench.round(ScaleBench.percentile(vectorSupplied, 0.99)));
      log.printf(
          Locale.ROOT,
          "  OpenSearch p50 %.2f / p99 %.2f ms%n",
          l.get("p50").asDouble(),
          l.get("p99").asDouble());
      QueryEmbeddedTiming timing = new QueryEmbeddedTiming(embedder, model);
      try (MemoryStore store =
          Engram.builder().backend(builder.embedder(timing).backend()).build()) {
        latency.set(
            "hybridQueryEmbedded",
            timing.measure(store, queries, queryUsers, warmup, o.runs(), "OpenSearch", log));
      }
      return r;
    } finally {
      builder.deleteStore();
    }
  }

  /** Embedded store, OpenSearch and the peer side by side, in Markdown: one row per shape. */
  static String table(JsonNode shapes) {
    StringBuilder sb =
        new StringBuilder(
            "| memories | shape | embedded p50 / p99 ms | OpenSearch p50 / p99 ms |"
                + " embedded, query embedded, p50 / p99 ms | OpenSearch, query embedded,"
                + " p50 / p99 ms | the model alone p50 ms |"
                + " in-memory peer p50 ms | embedded ingest / s | OpenSearch ingest / s |\n"
                + "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (JsonNode size : shapes.get("sizes")) {
      for (String shape : List.of("many-users", "one-user")) {
        JsonNode s = size.get(shape);
        if (s == null || !s.has("openSearch")) {
          continue;
        }
        JsonNode e = s.get("latencyMs").get("engramHybrid");
        JsonNode os = s.get("openSearch").get("latencyMs").get("hybridVectorSupplied");
        JsonNode peer = s.get("latencyMs").get("inMemoryPeer");
        JsonNode eq = s.get("latencyMs").get("engramQueryEmbedded");
        JsonNode osq = s.get("openSearch").get("latencyMs").get("hybridQueryEmbedded");
        sb.append(
            String.format(
                Locale.ROOT,
                "| %,d | %s | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %.2f | %s"
                    + " | %,.0f | %,.0f |%n",
                size.get("memories").asInt(),
                shape.equals("one-user") ? "one user" : s.get("users").asInt() + " users",
                e.get("p50").asDouble(),
                e.get("p99").asDouble(),
                os.get("p50").asDouble(),
                os.get("p99").asDouble(),
                eq.get("p50").asDouble(),
                eq.get("p99").asDouble(),
                osq.get("p50").asDouble(),
                osq.get("p99").asDouble(),
                eq.get("modelP50").asDouble(),
                peer.get("calls").asInt() == 0
                    ? "—"
                    : String.format(Locale.ROOT, "%.2f", peer.get("p50").asDouble()),
                s.get("ingestMemoriesPerSecond").asDouble(),
                s.get("openSearch").get("ingestMemoriesPerSecond").asDouble()));
      }
    }
    return sb.toString();
  }
}
