package dev.engram.examples.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.AddRequest;
import dev.engram.MemoryStore;
import dev.engram.decay.RankingWeights;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Retrieval recall on LoCoMo without an LLM: one memory per turn (with its speaker, real session
 * date and dia_id as source), every question of categories 1–4 asked in its conversation's scope,
 * and recall@k = the fraction of the question's gold evidence ids among the sources of the top k.
 * Session-level recall@k ranks sessions by their best turn and counts the question's gold sessions
 * among the first k, the measure most published LoCoMo retrieval figures use.
 */
public final class LocomoEval {
  /** Categories reported: LoCoMo's 5 (adversarial) has no evidence to retrieve. */
  private static final Set<Integer> CATEGORIES = Set.of(1, 2, 3, 4);

  private final MemoryStore store;
  private final List<Integer> ks;
  private final Progress progress;
  private final String storeDescription;
  private final Path dump;

  /** Depth of the ranking read for session-level recall; ranking does not depend on the limit. */
  private static final int SESSION_DEPTH = 100;

  /**
   * An evaluation on {@code store}.
   *
   * @param ks the cut-offs, ascending
   * @param progress where progress is drawn, or {@code null}
   * @param storeDescription what the store is, for the report
   */
  public LocomoEval(
      MemoryStore store, List<Integer> ks, Progress progress, String storeDescription) {
    this(store, ks, progress, storeDescription, null);
  }

  /**
   * An evaluation on {@code store} that also writes each question's top k, with scores, and the
   * ranks of its gold turns to {@code dump} as JSON lines.
   *
   * @param dump the file for the per-question lines, or {@code null} for none
   */
  public LocomoEval(
      MemoryStore store, List<Integer> ks, Progress progress, String storeDescription, Path dump) {
    this.store = store;
    this.ks = List.copyOf(ks);
    this.progress = progress;
    this.storeDescription = storeDescription;
    this.dump = dump;
  }

  /**
   * Runs on the conversations and returns the report.
   *
   * @throws IOException if the dump cannot be written
   */
  public ObjectNode run(List<Locomo.Conversation> conversations) throws IOException {
    int turns =
        conversations.stream()
            .mapToInt(c -> c.sessions().stream().mapToInt(s -> s.turns().size()).sum())
            .sum();
    long start = System.nanoTime();
    int done = 0;
    for (Locomo.Conversation c : conversations) {
      for (Locomo.Session s : c.sessions()) {
        if (s.turns().isEmpty()) {
          continue;
        }
        AddRequest.Builder b =
            AddRequest.builder(
                    Scope.user(scopeId(c.sampleId())).withSession("session_" + s.number()))
                .observedAt(s.date())
                .infer(false);
        for (Locomo.Turn t : s.turns()) {
          b.message(Message.user(t.text()).withName(t.speaker()).withId(t.diaId()));
        }
        store.add(b.build());
        done += s.turns().size();
        if (progress != null) {
          progress.update("ingest", done, turns);
        }
      }
    }
    double ingestSeconds = (System.nanoTime() - start) / 1e9;

    int maxK = ks.get(ks.size() - 1);
    Map<Integer, double[]> sums = new TreeMap<>();
    Map<Integer, double[]> sessionSums = new TreeMap<>();
    ObjectMapper json = new ObjectMapper();
    List<String> dumped = new ArrayList<>();
    Map<Integer, Integer> counts = new TreeMap<>();
    List<Double> latencies = new ArrayList<>();
    int skipped = 0;
    int asked = 0;
    int total =
        conversations.stream()
            .mapToInt(
                c ->
                    (int)
                        c.questions().stream()
                            .filter(q -> CATEGORIES.contains(q.category()))
                            .count())
            .sum();
    int seen = 0;
    for (Locomo.Conversation c : conversations) {
      Scope scope = Scope.user(scopeId(c.sampleId()));
      for (Locomo.Question q : c.questions()) {
        if (!CATEGORIES.contains(q.category())) {
          continue;
        }
        seen++;
        if (q.evidence().isEmpty() || q.text().isBlank()) {
          skipped++;
          continue;
        }
        long t0 = System.nanoTime();
        List<SearchHit> hits =
            store.search(
                SearchRequest.builder(scope, q.text())
                    .limit(Math.max(maxK, SESSION_DEPTH))
                    .reinforce(false)
                    .weights(RankingWeights.RELEVANCE_ONLY)
                    .build());
        latencies.add((System.nanoTime() - t0) / 1e6);
        double[] s = sums.computeIfAbsent(q.category(), k -> new double[ks.size()]);
        double[] ss = sessionSums.computeIfAbsent(q.category(), k -> new double[ks.size()]);
        for (int i = 0; i < ks.size(); i++) {
          s[i] += recall(hits, q.evidence(), ks.get(i));
          ss[i] += sessionRecall(hits, q.evidence(), ks.get(i));
        }
        if (dump != null) {
          dumped.add(json.writeValueAsString(dumpLine(json, c, q, hits, maxK)));
        }
        counts.merge(q.category(), 1, Integer::sum);
        asked++;
        if (progress != null) {
          progress.update("questions", seen, total);
        }
      }
    }
    if (progress != null) {
      progress.finish();
    }
    if (dump != null) {
      Path parent = dump.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.write(dump, dumped);
    }
    ObjectNode report = report(asked, skipped, sums, counts, turns, ingestSeconds, latencies);
    ObjectNode sessions = report.putObject("sessionRecall");
    ObjectNode sessionsByCategory = report.putObject("sessionRecallByCategory");
    double[] all = new double[ks.size()];
    for (var e : sessionSums.entrySet()) {
      ObjectNode r = sessionsByCategory.putObject(String.valueOf(e.getKey()));
      for (int i = 0; i < ks.size(); i++) {
        all[i] += e.getValue()[i];
        r.put(String.valueOf(ks.get(i)), round(e.getValue()[i] / counts.get(e.getKey())));
      }
    }
    for (int i = 0; i < ks.size(); i++) {
      sessions.put(String.valueOf(ks.get(i)), round(asked == 0 ? 0 : all[i] / asked));
    }
    return report;
  }

  /** One question: its gold ids with the rank each got (null when not in the list), and the top. */
  private static ObjectNode dumpLine(
      ObjectMapper json, Locomo.Conversation c, Locomo.Question q, List<SearchHit> hits, int maxK) {
    ObjectNode line = json.createObjectNode();
    line.put("conversation", c.sampleId());
    line.put("category", q.category());
    line.put("question", q.text());
    line.put("answer", q.answer());
    ObjectNode gold = line.putObject("goldRanks");
    for (String g : q.evidence()) {
      gold.putNull(g);
      for (int r = 0; r < hits.size(); r++) {
        if (hits.get(r).memory().sources().contains(g)) {
          gold.put(g, r + 1);
          break;
        }
      }
    }
    var top = line.putArray("top");
    for (int r = 0; r < Math.min(maxK, hits.size()); r++) {
      SearchHit h = hits.get(r);
      ObjectNode t = top.addObject();
      t.put("rank", r + 1);
      t.put("score", round(h.score()));
      t.put("source", String.join(",", h.memory().sources()));
      t.put("text", h.text());
    }
    return line;
  }

  /** "D12:3" → "D12", the session of a LoCoMo dialogue id. */
  static String sessionOf(String diaId) {
    int colon = diaId.indexOf(':');
    return colon < 0 ? diaId : diaId.substring(0, colon);
  }

  /** Share of the gold sessions among the first k sessions, ranked by their best turn. */
  static double sessionRecall(List<SearchHit> hits, List<String> gold, int k) {
    Set<String> ranked = new java.util.LinkedHashSet<>();
    for (SearchHit h : hits) {
      for (String source : h.memory().sources()) {
        if (ranked.size() < k) {
          ranked.add(sessionOf(source));
        }
      }
    }
    Set<String> goldSessions = new HashSet<>();
    gold.forEach(g -> goldSessions.add(sessionOf(g)));
    int n = 0;
    for (String g : goldSessions) {
      if (ranked.contains(g)) {
        n++;
      }
    }
    return (double) n / goldSessions.size();
  }

  /** Sample ids like "conv-26" are valid scope ids; anything else is made one. */
  static String scopeId(String sampleId) {
    String id = sampleId.replaceAll("[^A-Za-z0-9._:@+-]", "_");
    return id.isEmpty() || !Character.isLetterOrDigit(id.charAt(0)) ? "s" + id : id;
  }

  static double recall(List<SearchHit> hits, List<String> gold, int k) {
    Set<String> found = new HashSet<>();
    for (SearchHit h : hits.subList(0, Math.min(k, hits.size()))) {
      found.addAll(h.memory().sources());
    }
    int n = 0;
    for (String g : gold) {
      if (found.contains(g)) {
        n++;
      }
    }
    return (double) n / gold.size();
  }

  private ObjectNode report(
      int asked,
      int skipped,
      Map<Integer, double[]> sums,
      Map<Integer, Integer> counts,
      int turns,
      double ingestSeconds,
      List<Double> latencies) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("questions", asked);
    root.put("skippedWithoutEvidence", skipped);
    double[] all = new double[ks.size()];
    for (double[] s : sums.values()) {
      for (int i = 0; i < all.length; i++) {
        all[i] += s[i];
      }
    }
    ObjectNode recall = root.putObject("recall");
    for (int i = 0; i < ks.size(); i++) {
      recall.put(String.valueOf(ks.get(i)), round(asked == 0 ? 0 : all[i] / asked));
    }
    ObjectNode byCategory = root.putObject("byCategory");
    for (var e : sums.entrySet()) {
      ObjectNode c = byCategory.putObject(String.valueOf(e.getKey()));
      int n = counts.get(e.getKey());
      c.put("questions", n);
      ObjectNode r = c.putObject("recall");
      for (int i = 0; i < ks.size(); i++) {
        r.put(String.valueOf(ks.get(i)), round(e.getValue()[i] / n));
      }
    }
    ObjectNode ingest = root.putObject("ingest");
    ingest.put("turns", turns);
    ingest.put("seconds", round(ingestSeconds));
    ingest.put("turnsPerSecond", round(turns / Math.max(ingestSeconds, 1e-9)));
    double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    ObjectNode search = root.putObject("search");
    search.put("queries", sorted.length);
    search.put("p50Ms", round(percentile(sorted, 0.50)));
    search.put("p99Ms", round(percentile(sorted, 0.99)));
    root.put("store", storeDescription);
    return root;
  }

  static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }

  /** The report as a readable table. */
  public static String table(ObjectNode report) {
    StringBuilder sb = new StringBuilder();
    List<String> ks = new ArrayList<>();
    report.get("recall").fieldNames().forEachRemaining(ks::add);
    sb.append(String.format(Locale.ROOT, "%-22s %9s", "category", "questions"));
    ks.forEach(k -> sb.append(String.format(Locale.ROOT, " %7s", "R@" + k)));
    sb.append('\n');
    String[] names = {"", "1 multi-hop", "2 temporal", "3 open-domain", "4 single-hop"};
    var byCategory = report.get("byCategory");
    for (var it = byCategory.fieldNames(); it.hasNext(); ) {
      String c = it.next();
      int n = Integer.parseInt(c);
      sb.append(
          String.format(
              Locale.ROOT,
              "%-22s %9d",
              n < names.length ? names[n] : c,
              byCategory.get(c).get("questions").asInt()));
      ks.forEach(
          k ->
              sb.append(
                  String.format(
                      Locale.ROOT, " %7.3f", byCategory.get(c).get("recall").get(k).asDouble())));
      sb.append('\n');
    }
    sb.append(
        String.format(Locale.ROOT, "%-22s %9d", "all (1-4)", report.get("questions").asInt()));
    ks.forEach(
        k ->
            sb.append(
                String.format(Locale.ROOT, " %7.3f", report.get("recall").get(k).asDouble())));
    sb.append('\n');
    if (report.has("sessionRecall")) {
      sb.append(String.format(Locale.ROOT, "%-22s %9s", "all, session-level", ""));
      ks.forEach(
          k ->
              sb.append(
                  String.format(
                      Locale.ROOT, " %7.3f", report.get("sessionRecall").get(k).asDouble())));
      sb.append('\n');
    }
    var ingest = report.get("ingest");
    var search = report.get("search");
    sb.append(
        String.format(
            Locale.ROOT,
            "ingest: %d turns in %.1f s (%.0f turns/s); search: p50 %.2f ms, p99 %.2f ms over %d queries%n",
            ingest.get("turns").asInt(),
            ingest.get("seconds").asDouble(),
            ingest.get("turnsPerSecond").asDouble(),
            search.get("p50Ms").asDouble(),
            search.get("p99Ms").asDouble(),
            search.get("queries").asInt()));
    return sb.toString();
  }

  /** Writes the report as pretty JSON. */
  public static void write(ObjectNode report, Path out) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(
        out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report) + "\n");
  }

  /** Parses "5,10,25". */
  public static List<Integer> parseKs(String text) {
    List<Integer> ks = new ArrayList<>();
    for (String p : text.split(",")) {
      try {
        int k = Integer.parseInt(p.strip());
        if (k < 1 || k > 1000) {
          throw new NumberFormatException();
        }
        ks.add(k);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--k must be a comma-separated list of numbers from 1 to 1000, got '" + text + "'");
      }
    }
    return ks.stream().distinct().sorted().toList();
  }

  /** A progress bar on a terminal stream. */
  public static final class Progress {
    private final PrintStream out;
    private long lastDraw;

    /** Draws on {@code out}. */
    public Progress(PrintStream out) {
      this.out = out;
    }

    /** Draws {@code done} of {@code total} for {@code phase}, at most ten times a second. */
    public void update(String phase, int done, int total) {
      long now = System.nanoTime();
      if (done < total && now - lastDraw < 100_000_000L) {
        return;
      }
      lastDraw = now;
      int width = 30;
      int filled = total == 0 ? width : (int) ((long) done * width / total);
      char[] bar = new char[width];
      Arrays.fill(bar, 0, filled, '#');
      Arrays.fill(bar, filled, width, '.');
      out.printf(
          Locale.ROOT,
          "\r%-9s [%s] %3d%% %d/%d",
          phase,
          new String(bar),
          total == 0 ? 100 : done * 100 / total,
          done,
          total);
      out.flush();
    }

    /** Clears the bar. */
    public void finish() {
      out.print("\r" + " ".repeat(70) + "\r");
      out.flush();
    }
  }
}
