package dev.engram.retrieval.internal;

import dev.engram.backend.Candidate;
import dev.engram.backend.MemoryCodec;
import dev.engram.embed.Embedder;
import dev.engram.memory.Memory;
import dev.engram.retrieval.RetrievalConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.util.QueryBuilder;

/**
 * Ranks candidates for a query: BM25 and HNSW lists, both constrained by the filter during the
 * search, fused, then adjusted by conversation structure (session, speaker, neighbouring turns).
 * See {@link RetrievalConfig} for the recipe and its constants.
 */
final class HybridSearcher {
  /** Distinct query words kept for BM25: four fields of them stay under Lucene's clause limit. */
  private static final int MAX_QUERY_WORDS = 200;

  private static final int RRF_K = 60;

  private final RetrievalConfig config;
  private final Embedder embedder;
  private final QueryBuilder queries;
  private final Set<String> stopwords;

  HybridSearcher(LuceneBackend.Options options, Embedder embedder) {
    this.config = options.retrieval();
    this.embedder = embedder;
    this.queries = new QueryBuilder(options.analyzer());
    this.stopwords = options.queryStopwords();
  }

  /** A candidate document's scores and conversation position. */
  private static final class Scored {
    final int doc;
    double bm25;
    double vectorScore = Double.NaN;
    double cosine = Double.NaN;
    double fused;
    double boosted;
    double finalScore;
    String session;
    long turn = -1;
    String speaker;

    Scored(int doc) {
      this.doc = doc;
    }
  }

  List<Candidate> search(
      IndexSearcher s, String text, Query filter, int limit, UnaryOperator<Memory> resolve)
      throws IOException {
    int depth = Math.max(limit, config.depth());
    List<String> words = words(text);
    TopDocs lexical =
        config.fusion() == RetrievalConfig.Fusion.VECTOR_ONLY && embedder != null
            ? empty()
            : lexical(s, words, text, filter, depth);
    TopDocs vector = embedder == null ? empty() : vector(s, text, filter, depth);

    Map<Integer, Scored> byDoc = new LinkedHashMap<>();
    for (ScoreDoc d : lexical.scoreDocs) {
      byDoc.computeIfAbsent(d.doc, Scored::new).bm25 = d.score;
    }
    for (ScoreDoc d : vector.scoreDocs) {
      Scored x = byDoc.computeIfAbsent(d.doc, Scored::new);
      x.vectorScore = d.score;
      x.cosine = 2.0 * d.score - 1; // DOT_PRODUCT scores are (1 + cos) / 2
    }
    if (byDoc.isEmpty()) {
      return List.of();
    }
    fuse(lexical, vector, byDoc);
    readStructure(s, byDoc.values());
    adjust(byDoc.values(), words);

    List<Scored> ranked = new ArrayList<>(byDoc.values());
    ranked.sort(
        Comparator.comparingDouble((Scored x) -> x.finalScore)
            .reversed()
            .thenComparingInt(x -> x.doc));
    double max =
        (1 + config.sessionWeight() + config.speakerBoost()) * (1 + config.neighbourWeight());
    List<Candidate> out = new ArrayList<>(Math.min(limit, ranked.size()));
    for (Scored x : ranked.subList(0, Math.min(limit, ranked.size()))) {
      String json = s.storedFields().document(x.doc, Set.of(Fields.RECORD)).get(Fields.RECORD);
      Memory m = resolve.apply(MemoryCodec.memoryFromJson(json));
      Map<String, Double> signals = new HashMap<>();
      signals.put("bm25", x.bm25);
      if (!Double.isNaN(x.cosine)) {
        signals.put("vector", x.cosine);
      }
      signals.put("fused", x.fused);
      signals.put("conversation", x.boosted - x.fused);
      signals.put("neighbours", x.finalScore - x.boosted);
      out.add(new Candidate(m, Math.max(0, Math.min(1, x.finalScore / max)), signals));
    }
    return out;
  }

  private static TopDocs empty() {
    return new TopDocs(new TotalHits(0, TotalHits.Relation.EQUAL_TO), new ScoreDoc[0]);
  }

  /** The query's words, lower-cased, without stopwords; all words if every one is a stopword. */
  private List<String> words(String text) {
    List<String> all = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= text.length(); i++) {
      boolean word = i < text.length() && Character.isLetterOrDigit(text.charAt(i));
      if (word && start < 0) {
        start = i;
      } else if (!word && start >= 0) {
        all.add(text.substring(start, i).toLowerCase(Locale.ROOT));
        start = -1;
      }
    }
    List<String> kept = new ArrayList<>();
    for (String w : all) {
      if (!stopwords.contains(w)) {
        kept.add(w);
      }
    }
    return kept.isEmpty() ? all : kept;
  }

  /**
   * BM25 over the content, previous-turn, labels and context fields. A very long query (a pasted
   * document) would need more clauses than Lucene allows: its distinct words are kept, then the
   * query is halved until it fits.
   */
  private TopDocs lexical(IndexSearcher s, List<String> words, String raw, Query filter, int depth)
      throws IOException {
    List<String> terms = words.isEmpty() ? List.of(raw) : words;
    if (terms.size() > MAX_QUERY_WORDS) {
      terms = List.copyOf(new java.util.LinkedHashSet<>(terms));
      terms = terms.subList(0, Math.min(terms.size(), MAX_QUERY_WORDS));
    }
    String text = String.join(" ", terms);
    while (true) {
      try {
        return lexical(s, text, filter, depth);
      } catch (IndexSearcher.TooManyClauses e) {
        // An analyzer can make many terms of one word (CJK, n-grams): halve the text itself.
        if (text.length() < 2) {
          return empty();
        }
        text =
            text.substring(
                0, text.offsetByCodePoints(0, text.codePointCount(0, text.length()) / 2));
      }
    }
  }

  private TopDocs lexical(IndexSearcher s, String text, Query filter, int depth)
      throws IOException {
    BooleanQuery.Builder fields = new BooleanQuery.Builder();
    boolean any = false;
    any |= add(fields, Fields.CONTENT, text, 1.0);
    any |= add(fields, Fields.PREVIOUS, text, config.previousTurnWeight());
    any |= add(fields, Fields.LABELS, text, config.labelsWeight());
    any |= add(fields, Fields.CONTEXT_TEXT, text, config.contextWeight());
    if (!any) {
      return empty();
    }
    Query q =
        new BooleanQuery.Builder()
            .add(fields.build(), Occur.MUST)
            .add(filter, Occur.FILTER)
            .build();
    return new ScopedStatistics(s, filter).search(q, depth);
  }

  private boolean add(BooleanQuery.Builder b, String field, String text, double weight) {
    if (weight <= 0) {
      return false;
    }
    Query q = queries.createBooleanQuery(field, text, Occur.SHOULD);
    if (q == null) {
      return false;
    }
    b.add(weight == 1.0 ? q : new BoostQuery(q, (float) weight), Occur.SHOULD);
    return true;
  }

  private TopDocs vector(IndexSearcher s, String text, Query filter, int depth) throws IOException {
    float[] v = embedder.embedQuery(text);
    return s.search(new KnnFloatVectorQuery(Fields.VECTOR, v, depth, filter), depth);
  }

  private void fuse(TopDocs lexical, TopDocs vector, Map<Integer, Scored> byDoc) {
    switch (config.fusion()) {
      case RRF -> {
        TopDocs fused = TopDocs.rrf(byDoc.size(), RRF_K, new TopDocs[] {lexical, vector});
        double best = 2.0 / (RRF_K + 1);
        for (ScoreDoc d : fused.scoreDocs) {
          byDoc.get(d.doc).fused = d.score / best;
        }
      }
      case LEXICAL_ONLY -> {
        double[] range = range(lexical);
        for (Scored x : byDoc.values()) {
          x.fused = normalize(x.bm25, range, x.bm25 > 0);
        }
      }
      case MIN_MAX, VECTOR_ONLY -> {
        double[] lex = range(lexical);
        double[] vec = range(vector);
        double w =
            embedder == null
                ? 0
                : config.fusion() == RetrievalConfig.Fusion.VECTOR_ONLY ? 1 : config.vectorWeight();
        for (Scored x : byDoc.values()) {
          double l = normalize(x.bm25, lex, x.bm25 > 0);
          double v = Double.isNaN(x.vectorScore) ? 0 : normalize(x.vectorScore, vec, true);
          x.fused = (1 - w) * l + w * v;
        }
      }
    }
  }

  private static double[] range(TopDocs docs) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (ScoreDoc d : docs.scoreDocs) {
      min = Math.min(min, d.score);
      max = Math.max(max, d.score);
    }
    return new double[] {min, max};
  }

  /** Min-max over the list the score came from; a list of one equal score normalises to 1. */
  private static double normalize(double score, double[] range, boolean inList) {
    if (!inList || range[0] > range[1]) {
      return 0;
    }
    double span = range[1] - range[0];
    return span == 0 ? 1 : (score - range[0]) / span;
  }

  private static void readStructure(IndexSearcher s, Iterable<Scored> candidates)
      throws IOException {
    List<LeafReaderContext> leaves = s.getIndexReader().leaves();
    for (Scored x : candidates) {
      LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(x.doc, leaves));
      int local = x.doc - leaf.docBase;
      SortedDocValues session = leaf.reader().getSortedDocValues(Fields.SESSION_KEY);
      if (session != null && session.advanceExact(local)) {
        x.session = session.lookupOrd(session.ordValue()).utf8ToString();
        NumericDocValues turn = leaf.reader().getNumericDocValues(Fields.TURN);
        if (turn != null && turn.advanceExact(local)) {
          x.turn = turn.longValue();
        }
      }
      SortedDocValues speaker = leaf.reader().getSortedDocValues(Fields.SPEAKER);
      if (speaker != null && speaker.advanceExact(local)) {
        x.speaker = speaker.lookupOrd(speaker.ordValue()).utf8ToString();
      }
    }
  }

  /** Session signal, speaker boost, then neighbour smoothing. */
  private void adjust(Iterable<Scored> candidates, List<String> words) {
    Map<String, Double> sessionSum = new HashMap<>();
    for (Scored x : candidates) {
      if (x.session != null) {
        sessionSum.merge(x.session, x.fused, Double::sum);
      }
    }
    double bestSession = 0;
    for (double v : sessionSum.values()) {
      bestSession = Math.max(bestSession, v);
    }
    Set<String> queryWords = new HashSet<>(words);
    Map<String, Double> byTurn = new HashMap<>();
    for (Scored x : candidates) {
      x.boosted = x.fused;
      if (x.session != null && bestSession > 0) {
        x.boosted += config.sessionWeight() * sessionSum.get(x.session) / bestSession;
      }
      if (x.speaker != null && names(x.speaker, queryWords)) {
        x.boosted += config.speakerBoost();
      }
      if (x.session != null && x.turn >= 0) {
        byTurn.put(x.session + '#' + x.turn, x.boosted);
      }
    }
    for (Scored x : candidates) {
      double neighbour = 0;
      if (x.session != null && x.turn >= 0) {
        neighbour =
            Math.max(
                byTurn.getOrDefault(x.session + '#' + (x.turn - 1), 0.0),
                byTurn.getOrDefault(x.session + '#' + (x.turn + 1), 0.0));
      }
      x.finalScore = x.boosted + config.neighbourWeight() * neighbour;
    }
  }

  /** Whether the query names the speaker (any word of the name, two letters or more). */
  private static boolean names(String speaker, Set<String> queryWords) {
    for (String part : speaker.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (part.length() >= 2 && queryWords.contains(part)) {
        return true;
      }
    }
    return false;
  }
}
