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

  static String table(JsonNode report) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| memories | embeddings | ingest /s (model's share of the time) | search p50 / p95 / p99 ms (with query embedding) | vector supplied p50 / p99 ms | with filter p50 | with reinforcement p50 | qps 1 / 2 / 4 threads | heap MiB | disk B/memory | open s | recovery s | HNSW recall@10 (depth 100) | raw HNSW p50 ms | InMemoryEmbeddingStore p50 ms | BM25-only Lucene p50 ms |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (JsonNode s : report.get("sizes")) {
      JsonNode search = s.get("search");
      JsonNode with = search.get("withQueryEmbedding");
      JsonNode sup = search.get("vectorSupplied");
      JsonNode peers = s.get("peers");
      JsonNode mem = peers.get("langchain4jInMemoryExact");
      sb.append(
          String.format(
              Locale.ROOT,
              "| %,d | %s | %,.0f (%.0f%%) | %.2f / %.2f / %.2f | %.2f / %.2f | %.2f | %.2f | %s | %.0f | %,.0f | %.2f | %.2f | %.3f (%.3f) | %.3f | %s | %.3f |%n",
              s.get("memories").asInt(),
              s.get("embeddings").asText(),
              s.get("ingest").get("memoriesPerSecond").asDouble(),
              100 * s.get("ingest").get("embeddingShareOfIngest").asDouble(),
              with.get("p50Ms").asDouble(),
              with.get("p95Ms").asDouble(),
              with.get("p99Ms").asDouble(),
              sup.get("p50Ms").asDouble(),
              sup.get("p99Ms").asDouble(),
              search.get("vectorSuppliedWithFilter").get("p50Ms").asDouble(),
              search.get("vectorSuppliedWithReinforcement").get("p50Ms").asDouble(),
              qps(s.get("throughputQps")),
              s.get("heapAfterLoadMiB").asDouble(),
              s.get("diskBytesPerMemory").asDouble(),
              s.get("openSeconds").asDouble(),
              s.get("recovery").get("seconds").asDouble(),
              s.get("hnsw").get("recallAt10").asDouble(),
              s.get("hnsw").get("recallAt10WithDepth100").asDouble(),
              s.get("hnsw").get("rawSearchP50Ms").asDouble(),
              mem.isObject()
                  ? String.format(Locale.ROOT, "%.2f", mem.get("p50Ms").asDouble())
                  : mem.asText(),
              peers.get("luceneBm25Only").get("p50Ms").asDouble()));
    }
    return sb.toString();
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
