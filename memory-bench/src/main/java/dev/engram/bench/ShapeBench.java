package dev.engram.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.embed.Embedder;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.EmbeddedMemory;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.filter.MetadataFilterBuilder;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.QueryBuilder;

/**
 * Search cost against the size of the scope searched, like with like: per size, two shapes of the
 * same memories — many users of 200 memories each, and one user holding all of them — each searched
 * in one user's scope. Per shape, on the same texts, vectors and queries, interleaved query by
 * query: the store's hybrid search with the vector supplied; the floor, raw Lucene on an index of
 * the same documents (a user field, the text, the vector), kNN k = 10 plus BM25 top 10 under the
 * same user filter; and langchain4j's {@code InMemoryEmbeddingStore} with the same user filter.
 * Vectors are {@link SyntheticEmbedder}'s, so no model is timed. Also the ingest rate and the
 * segment counts of both indexes after the load.
 */
final class ShapeBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DIMENSION = 384;
  private static final int BATCH = 200;

  /** Unmeasured rounds over every query first, so the JIT has compiled the search paths. */
  private static final int WARMUP = 3;

  private ShapeBench() {}

  static ObjectNode run(ScaleBench.Options o, PrintStream log) throws Exception {
    ObjectNode out = JSON.createObjectNode();
    ArrayNode sizes = out.putArray("sizes");
    Embedder model = OnnxEmbedders.e5SmallV2(); // the default model of a new store
    for (int n : o.sizes()) {
      ObjectNode size = sizes.addObject();
      size.put("memories", n);
      for (String shape : o.shapes()) {
        int users = shape.equals("one-user") ? 1 : Math.max(1, n / BATCH);
        log.printf(Locale.ROOT, "== shapes: %,d memories, %s (%d users)%n", n, shape, users);
        size.set(shape, shape(n, users, o, model, log));
      }
    }
    return out;
  }

  private static ObjectNode shape(
      int n, int users, ScaleBench.Options o, Embedder model, PrintStream log) throws Exception {
    ObjectNode r = JSON.createObjectNode();
    r.put("users", users);
    SyntheticEmbedder embedder = new SyntheticEmbedder(DIMENSION);
    Path dir = o.work().resolve("shape-" + n + "-" + users);
    Path floorDir = o.work().resolve("shape-floor-" + n + "-" + users);
    ScaleBench.deleteRecursively(dir);
    ScaleBench.deleteRecursively(floorDir);

    long t0 = System.nanoTime();
    try (MemoryStore store = open(dir, embedder)) {
      int done = 0;
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
            done += inBatch;
            b = null;
            inBatch = 0;
            if (done % 20_000 == 0) {
              log.printf(Locale.ROOT, "\r  ingest %,d / %,d", done, n);
            }
          }
        }
        if (b != null) {
          store.add(b.build());
          done += inBatch;
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    log.printf(Locale.ROOT, "\r  ingest %,d in %.1f s (%.0f/s)%n", n, seconds, n / seconds);
    r.put("ingestMemoriesPerSecond", ScaleBench.round(n / seconds));
    // What an application does after a bulk import (or what the store does on its own once idle):
    // maintain() merges the index into one segment, which searches walk fastest.
    r.set("storeIndexAsLoaded", segments(dir));
    long m0 = System.nanoTime();
    try (MemoryStore store = open(dir, embedder)) {
      r.put("compacted", store.maintain().compacted());
    }
    double maintainSeconds = (System.nanoTime() - m0) / 1e9;
    r.put("maintainSeconds", ScaleBench.round(maintainSeconds));
    r.set("storeIndex", segments(dir));
    log.printf(
        Locale.ROOT,
        "  maintain() after the load: %.1f s, segments %d -> %d%n",
        maintainSeconds,
        r.get("storeIndexAsLoaded").get("segments").asInt(),
        r.get("storeIndex").get("segments").asInt());

    // The floor's index: the same passages and vectors, one user field, Lucene's defaults.
    EnglishAnalyzer analyzer = new EnglishAnalyzer();
    IndexWriterConfig config = new IndexWriterConfig(analyzer).setRAMBufferSizeMB(64);
    try (FSDirectory d = FSDirectory.open(floorDir);
        IndexWriter w = new IndexWriter(d, config)) {
      forEachPassage(
          o,
          n,
          users,
          embedder,
          (user, index, passage, vector) -> {
            Document doc = new Document();
            doc.add(new StringField("user", "u" + user, Field.Store.NO));
            doc.add(new TextField("text", passage, Field.Store.NO));
            doc.add(new KnnFloatVectorField("vec", vector, VectorSimilarityFunction.DOT_PRODUCT));
            w.addDocument(doc);
          });
      w.commit();
    }
    r.set("floorIndex", segments(floorDir));

    List<String> queries = SyntheticData.queries(o.seed(), o.queries());
    Random random = new Random(o.seed());
    int[] queryUsers = random.ints(queries.size(), 0, users).toArray();
    float[][] qv = new float[queries.size()][];
    for (int i = 0; i < qv.length; i++) {
      qv[i] = embedder.embedQuery(queries.get(i));
    }
    if (o.openSearchUrl() != null) {
      r.set(
          "openSearch",
          OpenSearchShape.measure(
              o, n, users, embedder, model, queries, qv, queryUsers, WARMUP, log));
    }
    QueryBuilder qb = new QueryBuilder(analyzer);
    boolean withPeer = n <= o.peerLimit();
    int peerQueries = withPeer ? Math.min(queries.size(), o.peerQueries()) : 0;

    String[] names = {"engramHybrid", "floor", "floorKnn", "floorBm25", "inMemoryPeer"};
    List<List<Double>> all = new ArrayList<>();
    for (int k = 0; k < names.length; k++) {
      all.add(new ArrayList<>());
    }
    try (MemoryStore store = open(dir, embedder);
        FSDirectory d = FSDirectory.open(floorDir);
        DirectoryReader reader = DirectoryReader.open(d)) {
      IndexSearcher floor = new IndexSearcher(reader);
      for (int round = 1 - WARMUP; round <= o.runs(); round++) {
        for (int i = 0; i < queries.size(); i++) {
          String user = "u" + queryUsers[i];
          Query filter = new TermQuery(new Term("user", user));
          SearchRequest request =
              SearchRequest.builder(Scope.user(user), queries.get(i))
                  .limit(10)
                  .reinforce(false)
                  .queryVector(qv[i])
                  .build();
          long a = System.nanoTime();
          store.search(request);
          long b = System.nanoTime();
          floor.search(new KnnFloatVectorQuery("vec", qv[i], 10, filter), 10);
          long c = System.nanoTime();
          Query text = qb.createBooleanQuery("text", queries.get(i), Occur.SHOULD);
          floor.search(
              new BooleanQuery.Builder().add(text, Occur.MUST).add(filter, Occur.FILTER).build(),
              10);
          long e = System.nanoTime();
          if (round > 0) { // rounds up to 0 warm up
            all.get(0).add((b - a) / 1e6);
            all.get(1).add((e - b) / 1e6);
            all.get(2).add((c - b) / 1e6);
            all.get(3).add((e - c) / 1e6);
          }
        }
      }
      // The peer on its own afterwards, loaded only now: its vectors (1.5 GB at 1M) and its garbage
      // (it scores every vector) would otherwise weigh on the timings it is compared with.
      InMemoryEmbeddingStore<TextSegment> peer = withPeer ? peer(o, n, users, embedder) : null;
      for (int round = 1 - WARMUP; round <= o.runs(); round++) {
        for (int i = 0; i < peerQueries; i++) {
          long p = System.nanoTime();
          peer.search(
              EmbeddingSearchRequest.builder()
                  .queryEmbedding(Embedding.from(qv[i]))
                  .maxResults(10)
                  .filter(MetadataFilterBuilder.metadataKey("user").isEqualTo("u" + queryUsers[i]))
                  .build());
          if (round > 0) {
            all.get(4).add((System.nanoTime() - p) / 1e6);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ObjectNode latency = r.putObject("latencyMs");
    for (int k = 0; k < names.length; k++) {
      ObjectNode node = latency.putObject(names[k]);
      node.put("calls", all.get(k).size());
      node.put("p50", ScaleBench.round(ScaleBench.percentile(all.get(k), 0.50)));
      node.put("p99", ScaleBench.round(ScaleBench.percentile(all.get(k), 0.99)));
      if (names[k].equals("engramHybrid") || names[k].equals("floor")) {
        // The compared searches' fastest measured run per query: what the query itself costs,
        // without a shared machine's scheduler and collector pauses; its p99 is the workload's
        // tail.
        List<Double> best = bestPerQuery(all.get(k), queries.size());
        ObjectNode b = node.putObject("bestPerQuery");
        b.put("p50", ScaleBench.round(ScaleBench.percentile(best, 0.50)));
        b.put("p99", ScaleBench.round(ScaleBench.percentile(best, 0.99)));
      }
    }
    // With the query embedded by the real model: what an application's search costs.
    QueryEmbeddedTiming timing = new QueryEmbeddedTiming(embedder, model);
    try (MemoryStore store = open(dir, timing)) {
      latency.set(
          "engramQueryEmbedded",
          timing.measure(store, queries, queryUsers, WARMUP, o.runs(), "embedded", log));
    }
    double engram = latency.get("engramHybrid").get("p50").asDouble();
    double floorP50 = latency.get("floor").get("p50").asDouble();
    r.put("engramOverFloorP50", ScaleBench.round(engram / floorP50));
    r.put(
        "engramP99OverP50",
        ScaleBench.round(latency.get("engramHybrid").get("p99").asDouble() / engram));
    log.printf(
        Locale.ROOT,
        "  engram p50 %.2f / p99 %.2f ms; floor p50 %.2f ms (kNN %.2f, BM25 %.2f); ratio %.1f;"
            + " in-memory peer p50 %.2f ms; segments %d (floor %d)%n"
            + "  each query's best of %d runs: engram p50 %.2f / p99 %.2f ms, floor p50 %.2f / p99"
            + " %.2f ms%n",
        engram,
        latency.get("engramHybrid").get("p99").asDouble(),
        floorP50,
        latency.get("floorKnn").get("p50").asDouble(),
        latency.get("floorBm25").get("p50").asDouble(),
        engram / floorP50,
        latency.get("inMemoryPeer").get("p50").asDouble(),
        r.get("storeIndex").get("segments").asInt(),
        r.get("floorIndex").get("segments").asInt(),
        o.runs(),
        latency.get("engramHybrid").get("bestPerQuery").get("p50").asDouble(),
        latency.get("engramHybrid").get("bestPerQuery").get("p99").asDouble(),
        latency.get("floor").get("bestPerQuery").get("p50").asDouble(),
        latency.get("floor").get("bestPerQuery").get("p99").asDouble());
    ScaleBench.deleteRecursively(dir);
    ScaleBench.deleteRecursively(floorDir);
    return r;
  }

  /**
   * The fastest of each query's measured timings, given timings recorded round by round, query by
   * query.
   */
  static List<Double> bestPerQuery(List<Double> timings, int queries) {
    if (queries <= 0 || timings.size() % queries != 0) {
      throw new IllegalArgumentException(
          "timings must be whole rounds of "
              + queries
              + " queries; got "
              + timings.size()
              + " timings");
    }
    List<Double> best = new ArrayList<>(queries);
    for (int i = 0; i < queries; i++) {
      double min = Double.MAX_VALUE;
      for (int j = i; j < timings.size(); j += queries) {
        min = Math.min(min, timings.get(j));
      }
      best.add(min);
    }
    return best;
  }

  /** A memory of the shape as the floor and the peer hold it. */
  private interface PassageConsumer {
    void accept(int user, int index, String passage, float[] vector) throws IOException;
  }

  /**
   * Hands over the shape's memories in the order the store ingests them (user by user), each with
   * its passage and the synthetic vector of it: the same documents for the floor and the peer. The
   * vectors are computed again on each call rather than kept, so that none sit in the heap while
   * searches are timed.
   */
  private static void forEachPassage(
      ScaleBench.Options o, int n, int users, SyntheticEmbedder embedder, PassageConsumer consumer)
      throws IOException {
    for (int u = 0; u < users; u++) {
      for (int i = u; i < n; i += users) {
        String passage = ScaleBench.passage(SyntheticData.memory(o.seed(), i));
        consumer.accept(u, i, passage, embedder.embed(passage));
      }
    }
  }

  /**
   * langchain4j's in-memory store holding the shape's vectors, each with its user as metadata (the
   * same vectors as the store's and the floor's).
   */
  private static InMemoryEmbeddingStore<TextSegment> peer(
      ScaleBench.Options o, int n, int users, SyntheticEmbedder embedder) throws IOException {
    List<Embedding> es = new ArrayList<>(n);
    List<TextSegment> ts = new ArrayList<>(n);
    forEachPassage(
        o,
        n,
        users,
        embedder,
        (user, index, passage, vector) -> {
          es.add(Embedding.from(vector));
          ts.add(TextSegment.from("m" + index, Metadata.from("user", "u" + user)));
        });
    InMemoryEmbeddingStore<TextSegment> peer = new InMemoryEmbeddingStore<>();
    peer.addAll(es, ts);
    return peer;
  }

  /**
   * Segments and documents of the committed index under {@code dir} (the store's or the floor's).
   */
  private static ObjectNode segments(Path dir) throws IOException {
    Path index = dir.resolve("index");
    ObjectNode s = JSON.createObjectNode();
    try (FSDirectory d = FSDirectory.open(java.nio.file.Files.isDirectory(index) ? index : dir);
        DirectoryReader reader = DirectoryReader.open(d)) {
      s.put("segments", reader.leaves().size());
      s.put("documents", reader.numDocs());
    }
    Path history = dir.resolve("history");
    if (java.nio.file.Files.isDirectory(history)) {
      try (FSDirectory d = FSDirectory.open(history);
          DirectoryReader reader = DirectoryReader.open(d)) {
        s.put("historySegments", reader.leaves().size());
        s.put("historyDocuments", reader.numDocs());
      }
    }
    return s;
  }

  /** The shapes' table, in Markdown: one row per size and shape. */
  static String table(com.fasterxml.jackson.databind.JsonNode shapes) {
    StringBuilder sb =
        new StringBuilder(
            "| memories | shape | Engram hybrid p50 / p99 ms | floor p50 ms (kNN + BM25) |"
                + " Engram / floor | in-memory peer p50 ms | ingest / s |"
                + " segments, as loaded → after maintain() (floor's) | maintain() s |"
                + " each query's best run, Engram p50 / p99 ms | the same, floor p50 / p99 ms |\n"
                + "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (var size : shapes.get("sizes")) {
      for (String shape : List.of("many-users", "one-user")) {
        var s = size.get(shape);
        if (s == null) {
          continue;
        }
        var l = s.get("latencyMs");
        sb.append(
            String.format(
                Locale.ROOT,
                "| %,d | %s | %.2f / %.2f | %.2f (%.2f + %.2f) | %.1f× | %s | %,.0f | %d → %d (%d) |"
                    + " %.1f | %.2f / %.2f | %.2f / %.2f |%n",
                size.get("memories").asInt(),
                shape.equals("one-user") ? "one user" : s.get("users").asInt() + " users",
                l.get("engramHybrid").get("p50").asDouble(),
                l.get("engramHybrid").get("p99").asDouble(),
                l.get("floor").get("p50").asDouble(),
                l.get("floorKnn").get("p50").asDouble(),
                l.get("floorBm25").get("p50").asDouble(),
                s.get("engramOverFloorP50").asDouble(),
                l.get("inMemoryPeer").get("calls").asInt() == 0
                    ? "—"
                    : String.format(
                        Locale.ROOT, "%.2f", l.get("inMemoryPeer").get("p50").asDouble()),
                s.get("ingestMemoriesPerSecond").asDouble(),
                s.get("storeIndexAsLoaded").get("segments").asInt(),
                s.get("storeIndex").get("segments").asInt(),
                s.get("floorIndex").get("segments").asInt(),
                s.get("maintainSeconds").asDouble(),
                l.get("engramHybrid").get("bestPerQuery").get("p50").asDouble(),
                l.get("engramHybrid").get("bestPerQuery").get("p99").asDouble(),
                l.get("floor").get("bestPerQuery").get("p50").asDouble(),
                l.get("floor").get("bestPerQuery").get("p99").asDouble()));
      }
    }
    return sb.toString();
  }

  private static MemoryStore open(Path dir, Embedder embedder) {
    return Engram.builder()
        .backend(
            EmbeddedMemory.backend(dir)
                .embedder(embedder)
                .commitInterval(Duration.ofSeconds(5))
                .build())
        .build();
  }
}
