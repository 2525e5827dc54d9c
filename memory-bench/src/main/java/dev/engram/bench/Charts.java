package dev.engram.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The scale report as a Markdown table and two SVG charts. */
final class Charts {
  private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"};

  private Charts() {}

  /** One row per measure, one column per store size: readable in one glance. */
  static String table(JsonNode report) {
    List<JsonNode> sizes = new ArrayList<>();
    report.get("sizes").forEach(sizes::add);
    StringBuilder sb = new StringBuilder("| measure |");
    for (JsonNode s : sizes) {
      sb.append(String.format(Locale.ROOT, " %,d |", s.get("memories").asInt()));
    }
    sb.append("\n|---|");
    sizes.forEach(s -> sb.append("---:|"));
    sb.append('\n');
    row(sb, "embeddings", sizes, s -> s.get("embeddings").asText());
    row(
        sb,
        "ingest, memories / s (model's share of the time)",
        sizes,
        s ->
            String.format(
                Locale.ROOT,
                "%,.0f (%.0f%%)",
                s.get("ingest").get("memoriesPerSecond").asDouble(),
                100 * s.get("ingest").get("embeddingShareOfIngest").asDouble()));
    row(
        sb,
        "ingest ÷ the model's batched rate on bare texts",
        sizes,
        s -> ratio(s, "ingestOverModelBatched"));
    row(
        sb,
        "ingest ÷ the model's batched rate on the same dated passages",
        sizes,
        s -> ratio(s, "ingestOverModelOnPassages"));
    row(
        sb,
        "ingest by several importer threads, memories / s (÷ rate on passages; threads)",
        sizes,
        s -> {
          JsonNode c = s.path("concurrentIngest");
          return c.isObject()
              ? String.format(
                  Locale.ROOT,
                  "%,.0f (%s; %d)",
                  c.get("memoriesPerSecond").asDouble(),
                  ratio(s, "concurrentIngestOverModelOnPassages"),
                  c.get("threads").asInt())
              : "—";
        });
    row(sb, "search p50 / p95 / p99 ms, query embedded", sizes, s -> ms(s, "withQueryEmbedding"));
    row(sb, "search p50 / p95 / p99 ms, vector supplied", sizes, s -> ms(s, "vectorSupplied"));
    row(sb, "… with a metadata filter", sizes, s -> ms(s, "vectorSuppliedWithFilter"));
    row(
        sb,
        "… with reinforcement (the default)",
        sizes,
        s -> ms(s, "vectorSuppliedWithReinforcement"));
    row(
        sb,
        "search p50 spread over runs, vector supplied",
        sizes,
        s -> {
          JsonNode r = s.get("search").get("vectorSupplied").get("p50RangeMs");
          return String.format(
              Locale.ROOT, "%.2f – %.2f", r.get(0).asDouble(), r.get(1).asDouble());
        });
    row(
        sb,
        "queries / s at 1 / 2 / 4 threads, query embedded",
        sizes,
        s -> qps(s.get("throughputQps")));
    row(
        sb,
        "heap after load, MiB",
        sizes,
        s -> String.format(Locale.ROOT, "%,.0f", s.get("heapAfterLoadMiB").asDouble()));
    row(
        sb,
        "process resident memory, MiB (heap, model, mapped index)",
        sizes,
        s -> String.format(Locale.ROOT, "%,.0f", s.path("residentMiB").asDouble(-1)));
    row(
        sb,
        "disk, bytes / memory",
        sizes,
        s -> String.format(Locale.ROOT, "%,.0f", s.get("diskBytesPerMemory").asDouble()));
    row(
        sb,
        "open after a clean close, s",
        sizes,
        s -> String.format(Locale.ROOT, "%.2f", s.get("openSeconds").asDouble()));
    row(
        sb,
        "recovery after kill -9, s (log entries replayed)",
        sizes,
        s ->
            String.format(
                Locale.ROOT,
                "%.2f (%,d)",
                s.get("recovery").get("seconds").asDouble(),
                s.get("recovery").get("replayedWrites").asInt()));
    row(sb, "HNSW recall@10 vs exact (at depth 100)", sizes, s -> recall(s.get("hnsw")));
    row(
        sb,
        "… the same passages as synthetic vectors, plain Lucene index",
        sizes,
        s -> recall(s.get("hnsw").path("syntheticVectorsSameSize")));
    row(
        sb,
        "floor: raw HNSW p50 ms, k = 10 / 100",
        sizes,
        s ->
            String.format(
                Locale.ROOT,
                "%.2f / %.2f",
                s.get("hnsw").get("rawSearchP50Ms").asDouble(),
                s.get("hnsw").get("rawSearchDepth100P50Ms").asDouble()));
    row(
        sb,
        "peer: InMemoryEmbeddingStore (exact) p50 ms",
        sizes,
        s -> {
          JsonNode m = s.get("peers").get("langchain4jInMemoryExact");
          return m.isObject()
              ? String.format(Locale.ROOT, "%.2f", m.get("p50Ms").asDouble())
              : m.asText();
        });
    row(
        sb,
        "peer: BM25-only Lucene p50 ms",
        sizes,
        s ->
            String.format(
                Locale.ROOT, "%.3f", s.get("peers").get("luceneBm25Only").get("p50Ms").asDouble()));
    row(
        sb,
        "InMemoryEmbeddingStore ÷ Engram (vector supplied)",
        sizes,
        s -> ratio(s, "inMemoryExactOverVectorSupplied"));
    row(
        sb,
        "Engram (vector supplied) ÷ raw HNSW k = 100",
        sizes,
        s -> ratio(s, "vectorSuppliedOverRawHnswDepth100"));
    return sb.toString();
  }

  private static void row(
      StringBuilder sb,
      String name,
      List<JsonNode> sizes,
      java.util.function.Function<JsonNode, String> cell) {
    sb.append("| ").append(name).append(" |");
    for (JsonNode s : sizes) {
      sb.append(' ').append(cell.apply(s)).append(" |");
    }
    sb.append('\n');
  }

  private static String ms(JsonNode size, String key) {
    JsonNode n = size.get("search").get(key);
    return String.format(
        Locale.ROOT,
        "%.2f / %.2f / %.2f",
        n.get("p50Ms").asDouble(),
        n.get("p95Ms").asDouble(),
        n.get("p99Ms").asDouble());
  }

  /** Recall at k = 10 and, in brackets, within the depth of 100; a dash where not measured. */
  private static String recall(JsonNode r) {
    return r.isObject()
        ? String.format(
            Locale.ROOT,
            "%.3f (%.3f)",
            r.get("recallAt10").asDouble(),
            r.get("recallAt10WithDepth100").asDouble())
        : "—";
  }

  private static String ratio(JsonNode size, String key) {
    JsonNode v = size.get("ratios").get(key);
    return v == null ? "–" : String.format(Locale.ROOT, "%.2f", v.asDouble());
  }

  private static String qps(JsonNode t) {
    List<String> parts = new ArrayList<>();
    t.properties()
        .forEach(e -> parts.add(String.format(Locale.ROOT, "%.0f", e.getValue().asDouble())));
    return String.join(" / ", parts);
  }

  static void write(JsonNode report, Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("scale.md"), table(report));
    Files.writeString(dir.resolve("latency-vs-size.svg"), latency(report));
    Files.writeString(dir.resolve("throughput-vs-threads.svg"), throughput(report));
  }

  private static String latency(JsonNode report) {
    List<double[]> series = new ArrayList<>();
    List<String> names =
        List.of(
            "p50 with query embedding",
            "p99 with query embedding",
            "p50 vector supplied",
            "p99 vector supplied");
    List<Double> sizes = new ArrayList<>();
    for (JsonNode s : report.get("sizes")) {
      sizes.add(s.get("memories").asDouble());
    }
    String[][] keys = {
      {"withQueryEmbedding", "p50Ms"},
      {"withQueryEmbedding", "p99Ms"},
      {"vectorSupplied", "p50Ms"},
      {"vectorSupplied", "p99Ms"}
    };
    for (String[] k : keys) {
      double[] v = new double[sizes.size()];
      int i = 0;
      for (JsonNode s : report.get("sizes")) {
        v[i++] = s.get("search").get(k[0]).get(k[1]).asDouble();
      }
      series.add(v);
    }
    return chart(
        "Search latency vs. store size (one thread)",
        "memories (log scale)",
        "ms",
        sizes,
        true,
        series,
        names);
  }

  private static String throughput(JsonNode report) {
    List<Double> threads = new ArrayList<>();
    JsonNode first = report.get("sizes").get(0).get("throughputQps");
    first.properties().forEach(e -> threads.add(Double.parseDouble(e.getKey())));
    List<double[]> series = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (JsonNode s : report.get("sizes")) {
      double[] v = new double[threads.size()];
      int i = 0;
      for (var e : s.get("throughputQps").properties()) {
        v[i++] = e.getValue().asDouble();
      }
      series.add(v);
      names.add(String.format(Locale.ROOT, "%,d memories", s.get("memories").asInt()));
    }
    return chart(
        "Search throughput vs. threads (query embedding included)",
        "threads",
        "queries / s",
        threads,
        false,
        series,
        names);
  }

  private static String chart(
      String title,
      String xLabel,
      String yLabel,
      List<Double> xs,
      boolean logX,
      List<double[]> series,
      List<String> names) {
    int w = 640;
    int h = 380;
    int left = 70;
    int right = 180;
    int top = 40;
    int bottom = 50;
    double maxY = 0;
    for (double[] s : series) {
      for (double v : s) {
        maxY = Math.max(maxY, v);
      }
    }
    maxY = niceCeil(maxY);
    double minX = logX ? Math.log10(xs.get(0)) : xs.get(0);
    double maxX = logX ? Math.log10(xs.get(xs.size() - 1)) : xs.get(xs.size() - 1);
    if (maxX == minX) {
      maxX = minX + 1;
    }
    double pw = w - left - right;
    double ph = h - top - bottom;
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            w,
            h));
    s.append(
        String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
    s.append(
        String.format(
            Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", left, title));
    for (int i = 0; i <= 5; i++) {
      double y = top + ph - ph * i / 5.0;
      s.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
              left,
              y,
              left + pw,
              y));
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>%n",
              left - 6,
              y + 4,
              maxY * i / 5));
    }
    for (double x : xs) {
      double px = left + pw * ((logX ? Math.log10(x) : x) - minX) / (maxX - minX);
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
              px,
              h - bottom + 18,
              x >= 1000
                  ? String.format(Locale.ROOT, "%,.0f", x)
                  : String.format(Locale.ROOT, "%.0f", x)));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
            left + pw / 2,
            h - 10,
            xLabel));
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">%s</text>%n",
            top + ph / 2,
            top + ph / 2,
            yLabel));
    for (int k = 0; k < series.size(); k++) {
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < xs.size(); i++) {
        double px = left + pw * ((logX ? Math.log10(xs.get(i)) : xs.get(i)) - minX) / (maxX - minX);
        double py = top + ph - ph * series.get(k)[i] / maxY;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        s.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                px,
                py,
                COLOURS[k % COLOURS.length]));
      }
      s.append(
          String.format(
              Locale.ROOT,
              "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
              COLOURS[k % COLOURS.length],
              pts.toString().strip()));
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" fill=\"%s\">%s</text>%n",
              left + pw + 10,
              top + 14 + 18 * k,
              COLOURS[k % COLOURS.length],
              names.get(k)));
    }
    return s.append("</svg>\n").toString();
  }

  private static double niceCeil(double v) {
    if (v <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }
}
