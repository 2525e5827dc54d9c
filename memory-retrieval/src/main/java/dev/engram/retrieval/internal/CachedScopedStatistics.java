package dev.engram.retrieval.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermStatistics;

/**
 * A searcher whose BM25 statistics are those of one scope's live memories, as {@link
 * ScopedStatistics} computes them, but read from {@link ScopeCache}: a field's document count and
 * lengths are summed per segment once and kept, so a search no longer walks every memory of its
 * scope; a term's document frequency is counted over the term's postings only. The same figures as
 * recomputing them (tested), so the privacy rule holds as before: only the scope's own memories
 * count.
 *
 * <p>One instance serves one search, on one thread.
 */
final class CachedScopedStatistics extends IndexSearcher {
  private final IndexSearcher base;
  private final Query scope;
  private final ScopeCache cache;
  private final Map<String, CollectionStatistics> fields = new HashMap<>();
  private final Map<Term, TermStatistics> terms = new HashMap<>();

  /**
   * Each segment's share of the scope, looked up in the cache once per search: a lookup compares
   * the scope's query for equality, and every query term of every field would repeat it.
   */
  private final ScopeCache.SegmentScope[] segments;

  /**
   * @param scope the scope's memories, any status: what the statistics cover
   */
  CachedScopedStatistics(IndexSearcher base, Query scope, ScopeCache cache) {
    super(base.getIndexReader());
    this.base = base;
    this.scope = scope;
    this.cache = cache;
    this.segments = new ScopeCache.SegmentScope[base.getIndexReader().leaves().size()];
    setSimilarity(base.getSimilarity());
    setQueryCache(null);
  }

  @Override
  public TermStatistics termStatistics(Term term, int docFreq, long totalTermFreq)
      throws IOException {
    TermStatistics known = terms.get(term);
    if (known == null) {
      long within = 0;
      for (LeafReaderContext leaf : getIndexReader().leaves()) {
        within += segment(leaf).docFreq(leaf.reader(), term);
      }
      // As ScopedStatistics: a term in no memory of the scope still needs a frequency of 1.
      int scoped = (int) Math.max(1, within);
      long total = Math.max(scoped, Math.round((double) totalTermFreq * scoped / docFreq));
      known = new TermStatistics(term.bytes(), scoped, total);
      terms.put(term, known);
    }
    return known;
  }

  @Override
  public CollectionStatistics collectionStatistics(String field) throws IOException {
    if (!fields.containsKey(field)) {
      CollectionStatistics all = super.collectionStatistics(field);
      CollectionStatistics scoped = null;
      if (all != null) {
        long docs = 0;
        long length = 0;
        for (LeafReaderContext leaf : getIndexReader().leaves()) {
          long[] s = segment(leaf).fieldStatistics(leaf.reader(), field);
          docs += s[0];
          length += s[1];
        }
        docs = Math.max(1, docs);
        length = Math.max(docs, length);
        scoped = new CollectionStatistics(field, all.maxDoc(), docs, length, docs);
      }
      fields.put(field, scoped);
    }
    return fields.get(field);
  }

  private ScopeCache.SegmentScope segment(LeafReaderContext leaf) throws IOException {
    ScopeCache.SegmentScope known = segments[leaf.ord];
    if (known == null) {
      known = cache.get(base, leaf, scope);
      segments[leaf.ord] = known;
    }
    return known;
  }
}
