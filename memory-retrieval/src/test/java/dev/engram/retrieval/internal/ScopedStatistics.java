package dev.engram.retrieval.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.FieldExistsQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermStatistics;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.SmallFloat;

/**
 * The reference for {@link CachedScopedStatistics}: the scope's statistics recomputed on every
 * search by walking the scope (what the store did before it kept them per segment).
 *
 * <p>A searcher whose BM25 statistics cover only the memories a search may return (its scope and
 * filter), not the whole index. One index holds every user's memories: with index-wide statistics
 * one user's words would shape another's scores, and {@code explain} would show it (how rare a word
 * is across other users). Counted here within the filter: each term's document frequency, each
 * field's document count and the fields' lengths. Measured on LoCoMo (ten conversations in one
 * store) it also ranks better: R@10 0.756 → 0.772.
 *
 * <p>One instance serves one search, on one thread. Lucene asks for a field's statistics once per
 * query term on it and for a term's once per clause that has it; both are counted once here.
 */
final class ScopedStatistics extends IndexSearcher {
  private final IndexSearcher base;
  private final Query filter;
  private final Map<String, CollectionStatistics> fields = new HashMap<>();
  private final Map<Term, TermStatistics> terms = new HashMap<>();

  ScopedStatistics(IndexSearcher base, Query filter) {
    super(base.getIndexReader());
    this.base = base;
    this.filter = filter;
    setSimilarity(base.getSimilarity());
    setQueryCache(null);
  }

  private int countWithin(Query q) throws IOException {
    return base.count(
        new BooleanQuery.Builder().add(q, Occur.FILTER).add(filter, Occur.FILTER).build());
  }

  @Override
  public TermStatistics termStatistics(Term term, int docFreq, long totalTermFreq)
      throws IOException {
    TermStatistics known = terms.get(term);
    if (known == null) {
      known = scopedTermStatistics(term, docFreq, totalTermFreq);
      terms.put(term, known);
    }
    return known;
  }

  private TermStatistics scopedTermStatistics(Term term, int docFreq, long totalTermFreq)
      throws IOException {
    // A term in no memory of the scope matches nothing here; Lucene needs a frequency of 1 or more.
    int scoped = Math.max(1, countWithin(new TermQuery(term)));
    // BM25 reads the document frequency only; the total keeps its ratio to it.
    long total = Math.max(scoped, Math.round((double) totalTermFreq * scoped / docFreq));
    return new TermStatistics(term.bytes(), scoped, total);
  }

  /**
   * The field's statistics over the memories within the filter: how many have it, and their lengths
   * as BM25 sees them (from the norms), so the average length is the scope's own too.
   */
  @Override
  public CollectionStatistics collectionStatistics(String field) throws IOException {
    if (!fields.containsKey(field)) {
      fields.put(field, scopedCollectionStatistics(field));
    }
    return fields.get(field);
  }

  private CollectionStatistics scopedCollectionStatistics(String field) throws IOException {
    CollectionStatistics all = super.collectionStatistics(field);
    if (all == null) {
      return null;
    }
    Query q =
        new BooleanQuery.Builder()
            .add(new FieldExistsQuery(field), Occur.FILTER)
            .add(filter, Occur.FILTER)
            .build();
    Weight w = base.createWeight(base.rewrite(q), ScoreMode.COMPLETE_NO_SCORES, 1);
    long docs = 0;
    long length = 0;
    for (LeafReaderContext leaf : base.getIndexReader().leaves()) {
      Scorer scorer = w.scorer(leaf);
      NumericDocValues norms = leaf.reader().getNormValues(field);
      if (scorer == null || norms == null) {
        continue;
      }
      DocIdSetIterator it = scorer.iterator();
      org.apache.lucene.util.Bits live = leaf.reader().getLiveDocs();
      for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
        if (live != null && !live.get(doc)) {
          continue;
        }
        if (!norms.advanceExact(doc)) {
          continue;
        }
        docs++;
        length += SmallFloat.byte4ToInt((byte) norms.longValue());
      }
    }
    // Lucene needs at least one document; a field no memory in scope has matches nothing anyway.
    docs = Math.max(1, docs);
    length = Math.max(docs, length);
    return new CollectionStatistics(field, all.maxDoc(), docs, length, docs);
  }
}
