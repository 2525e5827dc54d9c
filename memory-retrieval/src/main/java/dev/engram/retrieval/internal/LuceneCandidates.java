package dev.engram.retrieval.internal;

import dev.engram.backend.Candidate;
import dev.engram.backend.CandidateQuery;
import dev.engram.backend.Candidates;
import dev.engram.embed.Embedder;
import dev.engram.memory.Memory;
import dev.engram.retrieval.RetrievalConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.QueryBuilder;

/**
 * The embedded store's candidate lists: BM25 over the passage, previous-turn, labels and context
 * fields with the scope's own statistics ({@link CachedScopedStatistics}), and an HNSW search with
 * the filter applied inside the graph search; the admission part of the filter read from
 * per-segment sets ({@link AdmissionQuery}, {@link ScopeCache}). Ranking beyond each list is
 * recall's, in memory-core.
 */
final class LuceneCandidates {
  private final RetrievalConfig config;
  private final Embedder embedder;
  private final QueryBuilder queries;
  private final ScopeCache scopes = new ScopeCache(ScopeCache.DEFAULT_BUDGET_BYTES);

  LuceneCandidates(RetrievalConfig config, Analyzer analyzer, Embedder embedder) {
    this.config = config;
    this.embedder = embedder;
    this.queries = new QueryBuilder(analyzer);
  }

  /** The per-segment scope sets and statistics (tests). */
  ScopeCache scopes() {
    return scopes;
  }

  /**
   * The lists for a query.
   *
   * @param filter the query's filter, translated, memories only
   * @param scope the query's scope, translated, memories only: what BM25 statistics cover
   */
  Candidates candidates(IndexSearcher s, CandidateQuery query, Query filter, Query scope)
      throws IOException {
    // The admission part of the filter from the per-segment sets; any other filter as translated.
    Query admitted = AdmissionQuery.forFilter(scopes, query.filter(), query.scope(), scope);
    if (admitted != null) {
      filter = admitted;
    }
    TopDocs lexicalTop = null;
    if (query.lexical() && !query.terms().isEmpty()) {
      lexicalTop = lexical(s, String.join(" ", query.terms()), filter, scope, query.depth());
    }
    TopDocs vectorTop = null;
    if (query.vector() && embedder != null) {
      float[] v =
          query.queryVector() != null ? query.queryVector() : embedder.embedQuery(query.text());
      if (v.length != embedder.dimension()) {
        throw new IllegalArgumentException(
            "queryVector has "
                + v.length
                + " dimensions; this store's model "
                + embedder.modelId()
                + " has "
                + embedder.dimension());
      }
      vectorTop =
          s.search(new ScopedKnnQuery(Fields.VECTOR, v, query.depth(), filter), query.depth());
    }
    Map<Integer, Memory> records = decode(s, lexicalTop, vectorTop);
    List<Candidate> lexical = List.of();
    if (lexicalTop != null) {
      lexical = new ArrayList<>(lexicalTop.scoreDocs.length);
      for (ScoreDoc d : lexicalTop.scoreDocs) {
        lexical.add(new Candidate(records.get(d.doc), d.score));
      }
    }
    List<Candidate> vector = List.of();
    if (vectorTop != null) {
      vector = new ArrayList<>(vectorTop.scoreDocs.length);
      for (ScoreDoc d : vectorTop.scoreDocs) {
        // DOT_PRODUCT scores are (1 + cos) / 2.
        vector.add(new Candidate(records.get(d.doc), 2.0 * d.score - 1));
      }
    }
    return new Candidates(lexical, vector);
  }

  /** The records of both lists' documents, each decoded once, read in document order. */
  private static Map<Integer, Memory> decode(IndexSearcher s, TopDocs... lists) throws IOException {
    int n = 0;
    for (TopDocs t : lists) {
      n += t == null ? 0 : t.scoreDocs.length;
    }
    int[] docs = new int[n];
    int i = 0;
    for (TopDocs t : lists) {
      if (t != null) {
        for (ScoreDoc d : t.scoreDocs) {
          docs[i++] = d.doc;
        }
      }
    }
    Arrays.sort(docs);
    Map<Integer, Memory> out = new HashMap<>();
    Records records = new Records(s);
    for (int doc : docs) {
      if (!out.containsKey(doc)) {
        out.put(doc, records.memory(doc));
      }
    }
    return out;
  }

  /**
   * BM25 over the content, previous-turn, labels and context fields. An analyzer can make many
   * terms of one word (CJK, n-grams): a query over Lucene's clause limit is halved until it fits.
   */
  private TopDocs lexical(IndexSearcher s, String text, Query filter, Query scope, int depth)
      throws IOException {
    while (true) {
      try {
        BooleanQuery.Builder fields = new BooleanQuery.Builder();
        boolean any = false;
        any |= add(fields, Fields.CONTENT, text, 1.0);
        any |= add(fields, Fields.PREVIOUS, text, config.previousTurnWeight());
        any |= add(fields, Fields.LABELS, text, config.labelsWeight());
        any |= add(fields, Fields.CONTEXT_TEXT, text, config.contextWeight());
        if (!any) {
          return new TopDocs(
              new org.apache.lucene.search.TotalHits(
                  0, org.apache.lucene.search.TotalHits.Relation.EQUAL_TO),
              new ScoreDoc[0]);
        }
        Query q =
            new BooleanQuery.Builder()
                .add(fields.build(), Occur.MUST)
                .add(filter, Occur.FILTER)
                .build();
        return new CachedScopedStatistics(s, scope, scopes).search(q, depth);
      } catch (IndexSearcher.TooManyClauses e) {
        if (text.length() < 2) {
          return new TopDocs(
              new org.apache.lucene.search.TotalHits(
                  0, org.apache.lucene.search.TotalHits.Relation.EQUAL_TO),
              new ScoreDoc[0]);
        }
        text =
            text.substring(
                0, text.offsetByCodePoints(0, text.codePointCount(0, text.length()) / 2));
      }
    }
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
}
