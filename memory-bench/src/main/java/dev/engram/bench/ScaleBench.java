package dev.engram.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.decay.RankingWeights;
import dev.engram.embed.Embedder;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import dev.engram.filter.Filter;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.retrieval.PassageFormat;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.QueryBuilder;

/**
 * The scale command: builds embedded stores of the given sizes and measures, per size, ingest rate,
 * search latency (with and without the query embedding, with a filter, with reinforcement),
 * throughput at several threads, heap after load, disk per memory, open and recovery time, and HNSW
 * recall@10 against exact search — with the peers (langchain4j's InMemoryEmbeddingStore, a
 * BM25-only Lucene index) and the physical floor (raw query embedding, raw HNSW search) in the same
 * run.
 *
 * <pre>java --add-modules jdk.incubator.vector -Xmx4g -cp memory-bench/target/benchmarks.jar \
 *   dev.engram.bench.ScaleBench --sizes 10000,100000,1000000 --out docs/bench</pre>
 */
public final class ScaleBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DIMENSION = 384;

  /** Settings of a run. */
  record Options(
      List<Integer> sizes,
      int realEmbeddingsUpTo,
      int queries,
      List<Integer> threads,
      int peerLimit,
      int recoveryWrites,
      Path work,
      Path out,
      long seed,
      boolean quantized,
      int runs,
      int ingestThreads,
      int concurrentIngestUpTo,
      List<String> shapes,
      boolean onlyShapes,
      int peerQueries,
      String openSearchUrl) {}

  private ScaleBench() {}

  public static void main(String[] args) throws Exception {
    Options o = parse(args);
    ObjectNode report = run(o, System.err);
    Files.createDirectories(o.out());
    Files.writeString(
        o.out().resolve("scale.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
    if (report.has("shapes")) {
      String shapes = ShapeBench.table(report.get("shapes"));
      if (o.openSearchUrl() != null) {
        shapes += "\n" + OpenSearchShape.table(report.get("shapes"));
      }
      Files.writeString(o.out().resolve("shapes.md"), shapes);
      System.out.println(shapes);
    }
    if (report.has("sizes")) {
      Charts.write(report, o.out());
      System.out.println(Charts.table(report));
    }
  }

  static Options parse(String[] args) {
    List<Integer> sizes = List.of(10_000, 100_000, 1_000_000);
    int real = 100_000;
    int queries = 300;
    List<Integer> threads = List.of(1, 2, 4);
    int peerLimit = 1_000_000;
    int recovery = 2_000;
    Path work = Path.of(System.getProperty("java.io.tmpdir"), "engram-scale");
    Path out = Path.of("docs", "bench");
    long seed = 42;
    boolean quantized = false;
    int runs = 3;
    int ingestThreads = 2;
    int concurrentUpTo = 100_000;
    List<String> shapes = List.of();
    boolean onlyShapes = false;
    int peerQueries = 100;
    String backend = "embedded";
    String url = "http://127.0.0.1:9200";
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--sizes" -> {
          sizes = ints(v);
          i++;
        }
        case "--real-embeddings-up-to" -> {
          real = Integer.parseInt(v);
          i++;
        }
        case "--queries" -> {
          queries = Integer.parseInt(v);
          i++;
        }
        case "--threads" -> {
          threads = ints(v);
          i++;
        }
        case "--peer-limit" -> {
          peerLimit = Integer.parseInt(v);
          i++;
        }
        case "--recovery-writes" -> {
          recovery = Integer.parseInt(v);
          i++;
        }
        case "--work" -> {
          work = Path.of(v);
          i++;
        }
        case "--out" -> {
          out = Path.of(v);
          i++;
        }
        case "--seed" -> {
          seed = Long.parseLong(v);
          i++;
        }
        case "--quantized" -> quantized = true;
        case "--shapes" -> {
          shapes = Arrays.stream(v.split(",")).map(String::strip).toList();
          for (String shape : shapes) {
            if (!shape.equals("one-user") && !shape.equals("many-users")) {
              throw new IllegalArgumentException(
                  "--shapes takes one-user and/or many-users, got " + shape);
            }
          }
          i++;
        }
        case "--only-shapes" -> onlyShapes = true;
        case "--backend" -> {
          if (!v.equals("embedded") && !v.equals("opensearch")) {
            throw new IllegalArgumentException(
                "--backend takes embedded or opensearch, got '" + v + "'");
          }
          backend = v;
          i++;
        }
        case "--url" -> {
          url = v;
          i++;
        }
        case "--peer-queries" -> {
          peerQueries = Integer.parseInt(v);
          i++;
        }
        case "--concurrent-ingest-up-to" -> {
          concurrentUpTo = Integer.parseInt(v);
          i++;
        }
        case "--ingest-threads" -> {
          ingestThreads = Integer.parseInt(v);
          if (ingestThreads < 1) {
            throw new IllegalArgumentException(
                "--ingest-threads must be at least 1, got " + ingestThreads);
          }
          i++;
        }
        case "--runs" -> {
          runs = Integer.parseInt(v);
          if (runs < 1) {
            throw new IllegalArgumentException("--runs must be at least 1, got " + runs);
          }
          i++;
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    return new Options(
        sizes,
        real,
        queries,
        threads,
        peerLimit,
        recovery,
        work,
        out,
        seed,
        quantized,
        runs,
        ingestThreads,
        concurrentUpTo,
        onlyShapes && shapes.isEmpty() ? List.of("many-users", "one-user") : shapes,
        onlyShapes,
        peerQueries,
        backend.equals("opensearch") ? url : null);
  }

  private static List<Integer> ints(String s) {
    return Arrays.stream(s.split(",")).map(String::strip).map(Integer::parseInt).toList();
  }

  static ObjectNode run(Options o, java.io.PrintStream log) throws Exception {
    ObjectNode report = JSON.createObjectNode();
    ObjectNode machine = report.putObject("machine");
    machine.put("cpus", Runtime.getRuntime().availableProcessors());
    machine.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
    machine.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    machine.put("date", Instant.now().toString().substring(0, 10));
    machine.put(
        "jvmArgs", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    report.put("seed", o.seed());
    report.put("runs", o.runs());
    report.put("quantizedVectors", o.quantized());
    if (!o.shapes().isEmpty()) {
      report.set("shapes", ShapeBench.run(o, log));
      if (o.onlyShapes()) {
        return report;
      }
    }
    Embedder model = null;
    if (o.sizes().stream().anyMatch(n -> n <= o.realEmbeddingsUpTo())) {
      model = OnnxEmbedders.e5SmallV2(); // the default model of a new store
      report.set("embeddingModel", modelThroughput(model, o.seed(), o.runs(), log));
    }
    ArrayNode sizes = report.putArray("sizes");
    for (int n : o.sizes()) {
      log.printf(Locale.ROOT, "== %,d memories%n", n);
      ObjectNode size =
          size(n, n <= o.realEmbeddingsUpTo() ? model : new SyntheticEmbedder(DIMENSION), o, log);
      if (report.has("embeddingModel") && n <= o.realEmbeddingsUpTo()) {
        // The store must not be the bottleneck: ingest against the model's own batched rate.
        ((ObjectNode) size.get("ratios"))
            .put(
                "ingestOverModelBatched",
                round(
                    size.get("ingest").get("memoriesPerSecond").asDouble()
                        / report.get("embeddingModel").get("batchedTextsPerSecond").asDouble()));
        ((ObjectNode) size.get("ratios"))
            .put(
                "ingestOverModelOnPassages",
                round(
                    size.get("ingest").get("memoriesPerSecond").asDouble()
                        / report.get("embeddingModel").get("batchedPassagesPerSecond").asDouble()));
        if (size.has("concurrentIngest")) {
          ((ObjectNode) size.get("ratios"))
              .put(
                  "concurrentIngestOverModelOnPassages",
                  round(
                      size.get("concurrentIngest").get("memoriesPerSecond").asDouble()
                          / report
                              .get("embeddingModel")
                              .get("batchedPassagesPerSecond")
                              .asDouble()));
        }
        ((ObjectNode) size.get("ratios"))
            .put(
                "queryEmbeddingShareOfSearchP50",
                round(
                    report.get("embeddingModel").get("queryEmbeddingP50Ms").asDouble()
                        / size.get("search").get("withQueryEmbedding").get("p50Ms").asDouble()));
      }
      sizes.add(size);
    }
    return report;
  }

  /** The model's own batched and single-text throughput: the ceiling for ingest. */
  private static ObjectNode modelThroughput(
      Embedder model, long seed, int runs, java.io.PrintStream log) {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 1024; i++) {
      texts.add(SyntheticData.memory(seed + 7, i));
    }
    model.embedAll(texts.subList(0, 64)); // warm-up
    double batched = batchedRate(model, texts, runs);
    // What the store embeds is the passage, dated as its PassageFormat writes it (the default adds
    // "On <date>: "), so the model's rate on those same passages is the ceiling ingest can reach.
    List<String> passages = new ArrayList<>(texts.size());
    for (String t : texts) {
      passages.add(passage(t));
    }
    double batchedPassages = batchedRate(model, passages, runs);
    List<String> queries = SyntheticData.queries(seed + 11, 200);
    ObjectNode single = timed(runs, queries.size(), i -> model.embedQuery(queries.get(i)));
    ObjectNode m = JSON.createObjectNode();
    m.put("model", model.modelId());
    m.put("batchedTextsPerSecond", round(batched));
    m.put("batchedPassagesPerSecond", round(batchedPassages));
    m.put("queryEmbeddingP50Ms", single.get("p50Ms").asDouble());
    m.put("queryEmbeddingP99Ms", single.get("p99Ms").asDouble());
    log.printf(
        Locale.ROOT,
        "model %s: %.0f texts/s batched (%.0f/s as dated passages), query %.2f ms p50%n",
        model.modelId(),
        batched,
        batchedPassages,
        single.get("p50Ms").asDouble());
    return m;
  }

  /** The model's median rate over {@code runs} passes of the texts in batches of 64, texts / s. */
  private static double batchedRate(Embedder model, List<String> texts, int runs) {
    List<Double> rates = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < texts.size(); i += 64) {
        model.embedAll(texts.subList(i, Math.min(texts.size(), i + 64)));
      }
      rates.add(texts.size() / ((System.nanoTime() - t0) / 1e9));
    }
    return percentile(rates, 0.5);
  }

  /** A memory as the store embeds it under the default passage format, dated today. */
  static String passage(String text) {
    PassageFormat format = PassageFormat.english();
    String date =
        java.time.format.DateTimeFormatter.ofPattern(format.datePattern(), format.locale())
            .withZone(java.time.ZoneOffset.UTC)
            .format(Instant.now());
    return format.withoutSpeaker().replace("{date}", date).replace("{text}", text);
  }

  /**
   * HNSW recall of the synthetic vectors at a size where the real model was used: a plain Lucene
   * index of the same passages embedded by {@link SyntheticEmbedder}, so the recall measured at
   * sizes that only have synthetic vectors can be read against the real model's at the same size.
   */
  private static ObjectNode syntheticControl(int n, List<String> queries, Options o)
      throws IOException {
    SyntheticEmbedder synthetic = new SyntheticEmbedder(DIMENSION);
    int probes = Math.min(100, queries.size());
    float[][] qv = new float[probes][];
    for (int i = 0; i < probes; i++) {
      qv[i] = synthetic.embedQuery(queries.get(i));
    }
    ExactTop10 exact = new ExactTop10(qv);
    try (ByteBuffersDirectory d = new ByteBuffersDirectory()) {
      try (IndexWriter w = new IndexWriter(d, new IndexWriterConfig().setRAMBufferSizeMB(64))) {
        for (int i = 0; i < n; i++) {
          float[] v = synthetic.embed(passage(SyntheticData.memory(o.seed(), i)));
          exact.offer(i, v);
          Document doc = new Document();
          doc.add(new KnnFloatVectorField("vec", v, VectorSimilarityFunction.DOT_PRODUCT));
          w.addDocument(doc);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(d)) {
        double[] recall = recall(new IndexSearcher(reader), qv, exact.docs);
        ObjectNode c = JSON.createObjectNode();
        c.put("recallAt10", round(recall[0]));
        c.put("recallAt10WithDepth100", round(recall[1]));
        return c;
      }
    }
  }

  private static ObjectNode size(int n, Embedder base, Options o, java.io.PrintStream log)
      throws Exception {
    ObjectNode r = JSON.createObjectNode();
    r.put("memories", n);
    r.put(
        "embeddings",
        base instanceof SyntheticEmbedder ? "synthetic (word projection)" : base.modelId());
    Path dir = o.work().resolve("size-" + n);
    deleteRecursively(dir);
    int users = Math.max(10, n / 200);
    r.put("users", users);
    QueryVectors embedder = new QueryVectors(base);
    List<String> queries = SyntheticData.queries(o.seed(), o.queries());
    Random random = new Random(o.seed());
    int[] queryUsers = random.ints(queries.size(), 0, users).toArray();

    // Ingest: each user's memories in batches, as an application importing history would.
    long t0 = System.nanoTime();
    try (MemoryStore store = open(dir, embedder, o.quantized(), Duration.ofSeconds(5))) {
      int done = 0;
      for (int u = 0; u < users; u++) {
        done += importUser(store, u, users, n, o.seed());
        if (u % Math.max(1, users / 20) == 0) {
          log.printf(Locale.ROOT, "\r  ingest %,d / %,d", done, n);
        }
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      log.printf(Locale.ROOT, "\r  ingest %,d in %.1f s (%.0f/s)%n", n, seconds, n / seconds);
      ObjectNode ingest = r.putObject("ingest");
      ingest.put("seconds", round(seconds));
      ingest.put("memoriesPerSecond", round(n / seconds));
      double embedding = embedder.passageNanos() / 1e9;
      ingest.put("embeddingSeconds", round(embedding));
      // The store is not the bottleneck when most of ingest is the model's own time.
      ingest.put("embeddingShareOfIngest", round(embedding / seconds));

      embedder.precompute(queries);
      r.put("heapAfterLoadMiB", round(heapMiB()));
      // The whole process, heap, the model's native memory and the index pages mapped in.
      r.put("residentMiB", round(residentMiB()));

      // The four kinds of search take turns query by query, so background work after the import
      // (Lucene's merges) weighs on all of them alike rather than on whichever runs first.
      r.set("search", latencies(store, embedder, queries, queryUsers, o.runs()));
      embedder.supplied(false);
      ObjectNode search = (ObjectNode) r.get("search");
      ObjectNode throughput = r.putObject("throughputQps");
      ObjectNode throughputSpread = r.putObject("throughputQpsRange");
      for (int t : o.threads()) {
        List<Double> qps = new ArrayList<>();
        for (int run = 0; run < o.runs(); run++) {
          qps.add(throughput(store, queries, queryUsers, t));
        }
        throughput.put(String.valueOf(t), round(percentile(qps, 0.5)));
        ArrayNode range = throughputSpread.putArray(String.valueOf(t));
        range.add(round(qps.stream().mapToDouble(Double::doubleValue).min().orElse(0)));
        range.add(round(qps.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
      }
      log.printf(
          Locale.ROOT,
          "  search p50 %.2f ms (with embedding), %.2f ms (vector supplied)%n",
          search.get("withQueryEmbedding").get("p50Ms").asDouble(),
          search.get("vectorSupplied").get("p50Ms").asDouble());
    }
    r.put("diskBytesPerMemory", round((double) sizeOf(dir) / n));

    // Open after a clean close, and recovery after an unclean stop with writes only in the log.
    long open0 = System.nanoTime();
    try (MemoryStore store = open(dir, embedder, o.quantized(), Duration.ofMinutes(10))) {
      r.put("openSeconds", round((System.nanoTime() - open0) / 1e9));
      for (int i = 0; i < o.recoveryWrites(); i += 100) {
        AddRequest.Builder b = AddRequest.builder(Scope.user("recovery")).infer(false);
        for (int k = 0; k < 100; k++) {
          b.text(SyntheticData.memory(o.seed() + 1, i + k));
        }
        store.add(b.build());
      }
      snapshot(dir, o.work().resolve("crashed-" + n));
    }
    long rec0 = System.nanoTime();
    try (MemoryStore store =
        open(o.work().resolve("crashed-" + n), embedder, o.quantized(), Duration.ofMinutes(10))) {
      ObjectNode recovery = r.putObject("recovery");
      recovery.put("seconds", round((System.nanoTime() - rec0) / 1e9));
      recovery.put("replayedWrites", o.recoveryWrites());
      recovery.put("recovered", store.stats(Scope.user("recovery")).total());
    }
    deleteRecursively(o.work().resolve("crashed-" + n));

    hnswAndPeers(r, dir, queries, embedder, n, o, log);
    if (!(base instanceof SyntheticEmbedder)) {
      ObjectNode control = syntheticControl(n, queries, o);
      ((ObjectNode) r.get("hnsw")).set("syntheticVectorsSameSize", control);
      log.printf(
          Locale.ROOT,
          "  hnsw recall@10 of synthetic vectors at this size %.3f (depth 100: %.3f)%n",
          control.get("recallAt10").asDouble(),
          control.get("recallAt10WithDepth100").asDouble());
    }
    ratios(r);
    deleteRecursively(dir);
    if (o.ingestThreads() > 1 && n <= o.concurrentIngestUpTo()) {
      r.set("concurrentIngest", concurrentIngest(n, users, base, o, log));
    }
    return r;
  }

  /**
   * Adds user {@code u}'s share of the {@code n} memories (every {@code users}-th, from {@code u})
   * in batches of 500; returns how many.
   */
  private static int importUser(MemoryStore store, int u, int users, int n, long seed) {
    int added = 0;
    AddRequest.Builder b = null;
    for (int i = u; i < n; i += users) {
      if (b == null) {
        b = AddRequest.builder(Scope.user("u" + u)).infer(false).metadata("topic", "t" + (u % 7));
      }
      b.text(SyntheticData.memory(seed, i));
      if (++added % 500 == 0) {
        store.add(b.build());
        b = null;
      }
    }
    if (b != null) {
      store.add(b.build());
    }
    return added;
  }

  /**
   * The same import by several threads, each taking its share of the users, into a fresh store: an
   * application importing history can keep both the model and the index busy, since one thread's
   * embedding overlaps another's indexing (the store serialises only writers of the same owner).
   */
  private static ObjectNode concurrentIngest(
      int n, int users, Embedder base, Options o, java.io.PrintStream log) throws Exception {
    Path dir = o.work().resolve("size-" + n + "-concurrent");
    deleteRecursively(dir);
    int threads = o.ingestThreads();
    long t0 = System.nanoTime();
    try (MemoryStore store = open(dir, base, o.quantized(), Duration.ofSeconds(5));
        java.util.concurrent.ExecutorService pool =
            java.util.concurrent.Executors.newFixedThreadPool(threads)) {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        done.add(
            pool.submit(
                () -> {
                  for (int u = first; u < users; u += threads) {
                    importUser(store, u, users, n, o.seed());
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    deleteRecursively(dir);
    log.printf(
        Locale.ROOT,
        "  ingest by %d threads: %,d in %.1f s (%.0f/s)%n",
        threads,
        n,
        seconds,
        n / seconds);
    ObjectNode c = JSON.createObjectNode();
    c.put("threads", threads);
    c.put("seconds", round(seconds));
    c.put("memoriesPerSecond", round(n / seconds));
    return c;
  }

  /** Comparisons within this size's run: the store against its peers and its floor. */
  private static void ratios(ObjectNode r) {
    ObjectNode x = r.putObject("ratios");
    double supplied = r.get("search").get("vectorSupplied").get("p50Ms").asDouble();
    double floor = r.get("hnsw").get("rawSearchDepth100P50Ms").asDouble();
    x.put("vectorSuppliedOverRawHnswDepth100", round(supplied / floor));
    JsonNode mem = r.get("peers").get("langchain4jInMemoryExact");
    if (mem.isObject()) {
      x.put("inMemoryExactOverVectorSupplied", round(mem.get("p50Ms").asDouble() / supplied));
    }
    x.put(
        "vectorSuppliedOverBm25Only",
        round(supplied / r.get("peers").get("luceneBm25Only").get("p50Ms").asDouble()));
  }

  private static MemoryStore open(Path dir, Embedder embedder, boolean quantized, Duration commit) {
    EmbeddedMemory.BackendBuilder b =
        EmbeddedMemory.backend(dir).embedder(embedder).commitInterval(commit);
    if (quantized) {
      b.quantizedVectors(true);
    }
    return Engram.builder().backend(b.build()).build();
  }

  /**
   * Latency of four kinds of search over every query, interleaved: with the query embedding, with
   * the vector supplied, supplied with a metadata filter, and supplied with reinforcement (the
   * default for callers). Each query runs all four in a rotating order; one warm-up pass, then
   * {@code runs} measured passes.
   */
  private static ObjectNode latencies(
      MemoryStore store, QueryVectors embedder, List<String> queries, int[] users, int runs) {
    String[] names = {
      "withQueryEmbedding",
      "vectorSupplied",
      "vectorSuppliedWithFilter",
      "vectorSuppliedWithReinforcement"
    };
    List<List<Double>> p50 = new ArrayList<>();
    List<List<Double>> p95 = new ArrayList<>();
    List<List<Double>> p99 = new ArrayList<>();
    for (int k = 0; k < names.length; k++) {
      p50.add(new ArrayList<>());
      p95.add(new ArrayList<>());
      p99.add(new ArrayList<>());
    }
    for (int pass = 0; pass <= runs; pass++) {
      List<List<Double>> ms = new ArrayList<>();
      for (int k = 0; k < names.length; k++) {
        ms.add(new ArrayList<>(queries.size()));
      }
      for (int i = 0; i < queries.size(); i++) {
        for (int j = 0; j < names.length; j++) {
          int k = (i + j) % names.length;
          embedder.supplied(k != 0);
          SearchRequest.Builder b =
              SearchRequest.builder(Scope.user("u" + users[i]), queries.get(i))
                  .limit(10)
                  .reinforce(k == 3)
                  .weights(RankingWeights.DEFAULT);
          if (k == 2) {
            b.filter(Filter.eq("metadata.topic", "t3"));
          }
          SearchRequest request = b.build();
          long t = System.nanoTime();
          store.search(request);
          ms.get(k).add((System.nanoTime() - t) / 1e6);
        }
      }
      if (pass > 0) {
        for (int k = 0; k < names.length; k++) {
          p50.get(k).add(percentile(ms.get(k), 0.50));
          p95.get(k).add(percentile(ms.get(k), 0.95));
          p99.get(k).add(percentile(ms.get(k), 0.99));
        }
      }
    }
    ObjectNode out = JSON.createObjectNode();
    for (int k = 0; k < names.length; k++) {
      ObjectNode node = out.putObject(names[k]);
      node.put("calls", queries.size());
      node.put("runs", runs);
      node.put("p50Ms", round(percentile(p50.get(k), 0.5)));
      node.put("p95Ms", round(percentile(p95.get(k), 0.5)));
      node.put("p99Ms", round(percentile(p99.get(k), 0.5)));
      ArrayNode spread = node.putArray("p50RangeMs");
      spread.add(round(p50.get(k).stream().mapToDouble(Double::doubleValue).min().orElse(0)));
      spread.add(round(p50.get(k).stream().mapToDouble(Double::doubleValue).max().orElse(0)));
    }
    return out;
  }

  /** Times {@code n} calls of {@code call}: one warm-up pass, then {@code runs} measured passes. */
  static ObjectNode timed(int runs, int n, java.util.function.IntConsumer call) {
    List<Double> p50 = new ArrayList<>();
    List<Double> p95 = new ArrayList<>();
    List<Double> p99 = new ArrayList<>();
    List<Double> ms = new ArrayList<>(n);
    for (int pass = 0; pass <= runs; pass++) {
      ms.clear();
      for (int i = 0; i < n; i++) {
        long t = System.nanoTime();
        call.accept(i);
        ms.add((System.nanoTime() - t) / 1e6);
      }
      if (pass > 0) {
        p50.add(percentile(ms, 0.50));
        p95.add(percentile(ms, 0.95));
        p99.add(percentile(ms, 0.99));
      }
    }
    ObjectNode node = JSON.createObjectNode();
    node.put("calls", n);
    node.put("runs", runs);
    node.put("p50Ms", round(percentile(p50, 0.5)));
    node.put("p95Ms", round(percentile(p95, 0.5)));
    node.put("p99Ms", round(percentile(p99, 0.5)));
    ArrayNode spread = node.putArray("p50RangeMs");
    spread.add(round(p50.stream().mapToDouble(Double::doubleValue).min().orElse(0)));
    spread.add(round(p50.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
    return node;
  }

  private static double throughput(
      MemoryStore store, List<String> queries, int[] users, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicInteger next = new AtomicInteger();
    int total = Math.max(queries.size() * 2, 200 * threads);
    try {
      long t0 = System.nanoTime();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(
            pool.submit(
                () -> {
                  int i;
                  while ((i = next.getAndIncrement()) < total) {
                    int q = i % queries.size();
                    store.search(
                        SearchRequest.builder(Scope.user("u" + users[q]), queries.get(q))
                            .limit(10)
                            .reinforce(false)
                            .build());
                  }
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      return total / ((System.nanoTime() - t0) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * HNSW recall@10 against exact search, the raw HNSW floor, and the peers on the same vectors and
   * texts.
   */
  private static void hnswAndPeers(
      ObjectNode r,
      Path dir,
      List<String> queries,
      QueryVectors embedder,
      int n,
      Options o,
      java.io.PrintStream log)
      throws Exception {
    int probes = Math.min(100, queries.size());
    float[][] qv = new float[probes][];
    for (int i = 0; i < probes; i++) {
      qv[i] = embedder.vector(queries.get(i));
    }
    try (FSDirectory fs = FSDirectory.open(dir.resolve("index"));
        DirectoryReader reader = DirectoryReader.open(fs)) {
      IndexSearcher searcher = new IndexSearcher(reader);
      // Exact top 10 per query in one pass over every stored vector.
      ExactTop10 exact = new ExactTop10(qv);
      List<float[]> peerVectors = new ArrayList<>();
      boolean peer = n <= o.peerLimit();
      for (LeafReaderContext leaf : reader.leaves()) {
        FloatVectorValues values = leaf.reader().getFloatVectorValues("vec");
        if (values == null) {
          continue;
        }
        KnnVectorValues.DocIndexIterator it = values.iterator();
        var live = leaf.reader().getLiveDocs();
        for (int doc = it.nextDoc();
            doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS;
            doc = it.nextDoc()) {
          if (live != null && !live.get(doc)) {
            continue;
          }
          float[] v = values.vectorValue(it.index());
          if (peer) {
            peerVectors.add(v.clone());
          }
          exact.offer(leaf.docBase + doc, v);
        }
      }
      double[] recall = recall(searcher, qv, exact.docs);
      // The floor: Lucene's HNSW search alone, unfiltered, k = 10 and at the store's depth of 100.
      ObjectNode raw10 =
          timed(
              o.runs(),
              probes,
              q -> {
                try {
                  searcher.search(new KnnFloatVectorQuery("vec", qv[q], 10), 10);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      ObjectNode raw100 =
          timed(
              o.runs(),
              probes,
              q -> {
                try {
                  searcher.search(new KnnFloatVectorQuery("vec", qv[q], 100), 100);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      ObjectNode hnsw = r.putObject("hnsw");
      hnsw.put("recallAt10", round(recall[0]));
      hnsw.put("recallAt10WithDepth100", round(recall[1]));
      hnsw.put("rawSearchP50Ms", raw10.get("p50Ms").asDouble());
      hnsw.put("rawSearchP99Ms", raw10.get("p99Ms").asDouble());
      hnsw.put("rawSearchDepth100P50Ms", raw100.get("p50Ms").asDouble());
      log.printf(
          Locale.ROOT,
          "  hnsw recall@10 %.3f (depth 100: %.3f), raw %.2f ms (k = 100: %.2f ms)%n",
          recall[0],
          recall[1],
          raw10.get("p50Ms").asDouble(),
          raw100.get("p50Ms").asDouble());

      ObjectNode peers = r.putObject("peers");
      if (peer) {
        InMemoryEmbeddingStore<TextSegment> mem = new InMemoryEmbeddingStore<>();
        List<Embedding> embeddings = new ArrayList<>(peerVectors.size());
        peerVectors.forEach(v -> embeddings.add(Embedding.from(v)));
        mem.addAll(embeddings);
        peerVectors.clear();
        peers.set(
            "langchain4jInMemoryExact",
            timed(
                o.runs(),
                probes,
                q ->
                    mem.search(
                        EmbeddingSearchRequest.builder()
                            .queryEmbedding(Embedding.from(qv[q]))
                            .maxResults(10)
                            .build())));
      } else {
        peers.put("langchain4jInMemoryExact", "skipped above --peer-limit");
      }
    }
    // A plain BM25 Lucene index over the same texts, in memory: no scopes, filters, vectors or
    // records.
    try (ByteBuffersDirectory bm = new ByteBuffersDirectory();
        EnglishAnalyzer analyzer = new EnglishAnalyzer()) {
      try (IndexWriter w =
          new IndexWriter(bm, new IndexWriterConfig(analyzer).setRAMBufferSizeMB(128))) {
        for (int i = 0; i < n; i++) {
          Document d = new Document();
          d.add(new TextField("text", SyntheticData.memory(o.seed(), i), Field.Store.NO));
          w.addDocument(d);
        }
      }
      try (DirectoryReader reader = DirectoryReader.open(bm)) {
        IndexSearcher s = new IndexSearcher(reader);
        QueryBuilder qb = new QueryBuilder(analyzer);
        List<Query> parsed = new ArrayList<>();
        for (String q : queries) {
          parsed.add(qb.createBooleanQuery("text", q, BooleanClause.Occur.SHOULD));
        }
        ((ObjectNode) r.get("peers"))
            .set(
                "luceneBm25Only",
                timed(
                    o.runs(),
                    parsed.size(),
                    i -> {
                      try {
                        s.search(parsed.get(i), 10);
                      } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                      }
                    }));
      }
    }
  }

  /** The exact top 10 documents of each query vector, offered every stored vector once. */
  private static final class ExactTop10 {
    private final float[][] queries;
    final int[][] docs;
    private final float[][] scores;

    ExactTop10(float[][] queries) {
      this.queries = queries;
      this.docs = new int[queries.length][10];
      this.scores = new float[queries.length][10];
      for (float[] s : scores) {
        Arrays.fill(s, Float.NEGATIVE_INFINITY);
      }
    }

    void offer(int doc, float[] v) {
      for (int q = 0; q < queries.length; q++) {
        float s = dot(queries[q], v);
        float[] top = scores[q];
        if (s <= top[9]) {
          continue;
        }
        int i = top.length - 1;
        while (i > 0 && top[i - 1] < s) {
          top[i] = top[i - 1];
          docs[q][i] = docs[q][i - 1];
          i--;
        }
        top[i] = s;
        docs[q][i] = doc;
      }
    }
  }

  /**
   * HNSW recall@10 against the exact top 10 of each query vector, averaged: searching for 10, and
   * searching for 100 (the store's depth) and finding the 10 among them.
   */
  private static double[] recall(IndexSearcher searcher, float[][] qv, int[][] exactDocs)
      throws IOException {
    double at10 = 0;
    double depth100 = 0;
    for (int q = 0; q < qv.length; q++) {
      TopDocs top = searcher.search(new KnnFloatVectorQuery("vec", qv[q], 10), 10);
      at10 += overlap(exactDocs[q], top.scoreDocs, 10) / 10.0;
      TopDocs deep = searcher.search(new KnnFloatVectorQuery("vec", qv[q], 100), 100);
      depth100 += overlap(exactDocs[q], deep.scoreDocs, 100) / 10.0;
    }
    return new double[] {at10 / qv.length, depth100 / qv.length};
  }

  private static int overlap(int[] exact, ScoreDoc[] found, int depth) {
    int n = 0;
    for (int e : exact) {
      for (int i = 0; i < Math.min(depth, found.length); i++) {
        if (found[i].doc == e) {
          n++;
          break;
        }
      }
    }
    return n;
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double heapMiB() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
  }

  /** The process's resident memory (Linux), or -1 where /proc does not say. */
  private static double residentMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return 0;
    }
    double[] s = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s[Math.max(0, Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1))];
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  /** What a kill -9 leaves: the files as they are, without close() or a final commit. */
  private static void snapshot(Path from, Path to) throws IOException {
    deleteRecursively(to);
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        String name = p.getFileName().toString();
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else if (!name.equals("engram.lock") && !name.equals("write.lock")) {
          try {
            Files.copy(p, t);
          } catch (java.nio.file.NoSuchFileException gone) {
            // A merge deleted it meanwhile: not part of the last commit, which Lucene never
            // deletes from, so a kill at this instant would not have needed it either.
          }
        }
      }
    }
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    Files.walkFileTree(
        p,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
