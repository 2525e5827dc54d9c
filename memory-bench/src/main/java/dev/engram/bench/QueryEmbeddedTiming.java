package dev.engram.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.MemoryStore;
import dev.engram.embed.Embedder;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Search with the query embedded by the real model, on a store of synthetic vectors. The shapes'
 * stores hold synthetic vectors (a million real embeddings would take hours here), so a query the
 * store embeds itself would cost nothing. This embedder makes each query cost what it costs in an
 * application: the default model embeds the query text (its time is counted), and the synthetic
 * vector of the same text is what the store searches with, so the search does the same work, and
 * finds the same memories, as the run with the vector supplied. Passages are embedded by the
 * synthetic embedder alone.
 */
final class QueryEmbeddedTiming implements Embedder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Embedder store;
  private final Embedder model;
  private final List<Double> modelMillis = new ArrayList<>();

  QueryEmbeddedTiming(Embedder store, Embedder model) {
    this.store = store;
    this.model = model;
  }

  @Override
  public String modelId() {
    return store.modelId();
  }

  @Override
  public int dimension() {
    return store.dimension();
  }

  @Override
  public float[] embed(String text) {
    return store.embed(text);
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    return store.embedAll(texts);
  }

  @Override
  public float[] embedQuery(String query) {
    long a = System.nanoTime();
    model.embedQuery(query);
    synchronized (modelMillis) {
      modelMillis.add((System.nanoTime() - a) / 1e6);
    }
    return store.embedQuery(query);
  }

  /**
   * Times {@code runs} rounds of the queries (after {@code warmup} unmeasured rounds), each
   * searched by text in its user's scope, on a store opened with this embedder. Returns the
   * search's p50 / p99 and the model's own p50 over the measured calls.
   */
  ObjectNode measure(
      MemoryStore opened,
      List<String> queries,
      int[] queryUsers,
      int warmup,
      int runs,
      String label,
      PrintStream log) {
    List<Double> searches = new ArrayList<>();
    for (int round = 1 - warmup; round <= runs; round++) {
      if (round == 1) {
        synchronized (modelMillis) {
          modelMillis.clear(); // warm-up calls are not measured
        }
      }
      for (int i = 0; i < queries.size(); i++) {
        SearchRequest request =
            SearchRequest.builder(Scope.user("u" + queryUsers[i]), queries.get(i))
                .limit(10)
                .reinforce(false)
                .build();
        long a = System.nanoTime();
        opened.search(request);
        if (round > 0) {
          searches.add((System.nanoTime() - a) / 1e6);
        }
      }
    }
    ObjectNode r = JSON.createObjectNode();
    r.put("calls", searches.size());
    r.put("p50", ScaleBench.round(ScaleBench.percentile(searches, 0.50)));
    r.put("p99", ScaleBench.round(ScaleBench.percentile(searches, 0.99)));
    synchronized (modelMillis) {
      r.put("modelCalls", modelMillis.size());
      r.put("modelP50", ScaleBench.round(ScaleBench.percentile(modelMillis, 0.50)));
    }
    log.printf(
        Locale.ROOT,
        "  %s, query embedded by %s: p50 %.2f / p99 %.2f ms (the model alone p50 %.2f ms)%n",
        label,
        model.modelId(),
        r.get("p50").asDouble(),
        r.get("p99").asDouble(),
        r.get("modelP50").asDouble());
    return r;
  }
}
