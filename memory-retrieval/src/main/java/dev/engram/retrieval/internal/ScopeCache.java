package dev.engram.retrieval.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.SortedNumericDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.BitSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.InPlaceMergeSorter;
import org.apache.lucene.util.SmallFloat;
import org.apache.lucene.util.SparseFixedBitSet;

/**
 * What each segment holds of a scope, kept per immutable segment so that a search's cost follows
 * its answer rather than its scope: the scope's memories as a document set, per stored status,
 * their validity bounds sorted (so a search at an instant removes only the memories not valid
 * then), and the BM25 field statistics of the scope's memories. A segment never changes, so nothing
 * here goes stale: a merge makes new segments, whose entries are computed on first use, and a
 * closed segment's entries are dropped. Deletions (a segment's live documents) change without the
 * segment and are applied per search, or per version of the segment's live documents for the
 * statistics.
 *
 * <p>Every entry is computed from one scope's memories alone, so one owner's data never shapes what
 * another's search reads from here. Entries are bounded by an estimate of their memory ({@link
 * #budgetBytes}); the least recently used go first.
 */
final class ScopeCache {
  /** Default bound on the cache's memory. */
  static final long DEFAULT_BUDGET_BYTES = 128L * 1024 * 1024;

  private final long budgetBytes;
  private final LinkedHashMap<Key, SegmentScope> entries = new LinkedHashMap<>(64, 0.75f, true);
  private final Set<IndexReader.CacheKey> listening = ConcurrentHashMap.newKeySet();
  private long bytes;

  ScopeCache(long budgetBytes) {
    this.budgetBytes = budgetBytes;
  }

  private record Key(IndexReader.CacheKey core, Query scope) {}

  /** Entries cached now (tests). */
  synchronized int size() {
    return entries.size();
  }

  /**
   * What a segment holds of a scope.
   *
   * @param scope the scope's memories as a query (memories only, any status)
   * @param searcher a searcher over the reader {@code leaf} belongs to
   */
  SegmentScope get(IndexSearcher searcher, LeafReaderContext leaf, Query scope) throws IOException {
    IndexReader.CacheHelper helper = leaf.reader().getCoreCacheHelper();
    if (helper == null) {
      return SegmentScope.compute(searcher, leaf, scope); // not cacheable: never the case for ours
    }
    Key key = new Key(helper.getKey(), scope);
    synchronized (this) {
      SegmentScope known = entries.get(key);
      if (known != null) {
        return known;
      }
    }
    // Computed outside the lock: two searches may both compute it once; both results are equal.
    SegmentScope computed = SegmentScope.compute(searcher, leaf, scope);
    if (listening.add(helper.getKey())) {
      helper.addClosedListener(this::forget);
    }
    synchronized (this) {
      SegmentScope raced = entries.putIfAbsent(key, computed);
      if (raced != null) {
        return raced;
      }
      bytes += computed.bytes();
      Iterator<Map.Entry<Key, SegmentScope>> it = entries.entrySet().iterator();
      while (bytes > budgetBytes && it.hasNext()) {
        Map.Entry<Key, SegmentScope> e = it.next();
        if (e.getValue() == computed) {
          continue;
        }
        bytes -= e.getValue().bytes();
        it.remove();
      }
    }
    return computed;
  }

  private synchronized void forget(IndexReader.CacheKey core) {
    listening.remove(core);
    Iterator<Map.Entry<Key, SegmentScope>> it = entries.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Key, SegmentScope> e = it.next();
      if (e.getKey().core() == core) {
        bytes -= e.getValue().bytes();
        it.remove();
      }
    }
  }

  /** One segment's share of one scope. Immutable once built but for its memoised parts. */
  static final class SegmentScope {
    private final int maxDoc;

    /** The scope's memories in this segment, deleted or not. */
    final BitSet docs;

    final int count;

    /** Memories by validFrom, latest first. */
    private final int[] fromDocs;

    private final long[] from;

    /** Memories that have a validTo, by validTo, earliest first. */
    private final int[] toDocs;

    private final long[] to;
    private final Map<String, BitSet> byStatus = new ConcurrentHashMap<>();
    private final Map<String, long[]> fields = new ConcurrentHashMap<>();
    private volatile Live live;

    private SegmentScope(
        int maxDoc, BitSet docs, int count, int[] fromDocs, long[] from, int[] toDocs, long[] to) {
      this.maxDoc = maxDoc;
      this.docs = docs;
      this.count = count;
      this.fromDocs = fromDocs;
      this.from = from;
      this.toDocs = toDocs;
      this.to = to;
    }

    static SegmentScope compute(IndexSearcher searcher, LeafReaderContext leaf, Query scope)
        throws IOException {
      LeafReader reader = leaf.reader();
      int maxDoc = reader.maxDoc();
      Weight w = searcher.createWeight(searcher.rewrite(scope), ScoreMode.COMPLETE_NO_SCORES, 1);
      Scorer scorer = w.scorer(leaf);
      FixedBitSet all = new FixedBitSet(Math.max(1, maxDoc));
      if (scorer != null) {
        all.or(scorer.iterator());
      }
      int count = all.cardinality();
      int[] fromDocs = new int[count];
      long[] from = new long[count];
      SortedNumericDocValues fromValues = DocValues.getSortedNumeric(reader, "validFrom");
      SortedNumericDocValues toValues = DocValues.getSortedNumeric(reader, "validTo");
      SortedSetDocValues statusValues = DocValues.getSortedSet(reader, "status");
      Map<Long, FixedBitSet> statusSets = new HashMap<>();
      List<long[]> ends = new ArrayList<>();
      int i = 0;
      for (int doc = count == 0 ? DocIdSetIterator.NO_MORE_DOCS : all.nextSetBit(0);
          doc != DocIdSetIterator.NO_MORE_DOCS;
          doc = doc + 1 >= maxDoc ? DocIdSetIterator.NO_MORE_DOCS : all.nextSetBit(doc + 1)) {
        fromDocs[i] = doc;
        // Every memory has a validFrom; a missing one (never written) admits at any instant.
        from[i] = fromValues.advanceExact(doc) ? fromValues.nextValue() : Long.MIN_VALUE;
        i++;
        if (toValues.advanceExact(doc)) {
          ends.add(new long[] {doc, toValues.nextValue()});
        }
        if (statusValues.advanceExact(doc)) {
          statusSets
              .computeIfAbsent(statusValues.nextOrd(), o -> new FixedBitSet(Math.max(1, maxDoc)))
              .set(doc);
        }
      }
      int[] toDocs = new int[ends.size()];
      long[] to = new long[ends.size()];
      for (int k = 0; k < toDocs.length; k++) {
        toDocs[k] = (int) ends.get(k)[0];
        to[k] = ends.get(k)[1];
      }
      sort(fromDocs, from, true);
      sort(toDocs, to, false);
      SegmentScope out =
          new SegmentScope(maxDoc, compact(all, count, maxDoc), count, fromDocs, from, toDocs, to);
      for (Map.Entry<Long, FixedBitSet> e : statusSets.entrySet()) {
        FixedBitSet set = e.getValue();
        out.byStatus.put(
            statusValues.lookupOrd(e.getKey()).utf8ToString(),
            compact(set, set.cardinality(), maxDoc));
      }
      return out;
    }

    /** A sparse set when few documents are in it (many scopes over one big segment). */
    private static BitSet compact(FixedBitSet dense, int count, int maxDoc) throws IOException {
      if (count >= (maxDoc >>> 7)) {
        return dense;
      }
      SparseFixedBitSet sparse = new SparseFixedBitSet(Math.max(1, maxDoc));
      sparse.or(new BitSetIterator(dense, count));
      return sparse;
    }

    private static void sort(int[] docs, long[] values, boolean descending) {
      new InPlaceMergeSorter() {
        @Override
        protected int compare(int a, int b) {
          int c = Long.compare(values[a], values[b]);
          return descending ? -c : c;
        }

        @Override
        protected void swap(int a, int b) {
          int d = docs[a];
          docs[a] = docs[b];
          docs[b] = d;
          long v = values[a];
          values[a] = values[b];
          values[b] = v;
        }
      }.sort(0, docs.length);
    }

    long bytes() {
      long set = docs instanceof FixedBitSet f ? f.ramBytesUsed() : docs.ramBytesUsed();
      long statuses = 0;
      for (BitSet b : byStatus.values()) {
        statuses += b.ramBytesUsed();
      }
      return 256 + set + statuses + 12L * (from.length + to.length);
    }

    /** The scope's memories of one stored status in this segment, deleted or not; or null. */
    private BitSet status(String status) {
      return byStatus.get(status);
    }

    /**
     * The scope's memories of the given stored statuses valid at {@code truthAt} (validFrom ≤
     * truthAt, and no validTo or validTo > truthAt), deleted or not; {@code null} if none. The set
     * returned may be shared: never modify it.
     */
    BitSet admitted(List<String> statuses, long truthAt) throws IOException {
      if (count == 0) {
        return null;
      }
      BitSet base;
      if (statuses.size() == 1) {
        base = status(statuses.get(0));
        if (base == null) {
          return null;
        }
      } else {
        String key = String.join("|", statuses);
        base = byStatus.get(key);
        if (base == null) {
          FixedBitSet union = new FixedBitSet(Math.max(1, maxDoc));
          for (String s : statuses) {
            BitSet one = status(s);
            if (one != null) {
              union.or(new BitSetIterator(one, one.approximateCardinality()));
            }
          }
          BitSet set = compact(union, union.cardinality(), maxDoc);
          byStatus.putIfAbsent(key, set);
          base = byStatus.get(key);
        }
      }
      // Memories not valid yet at truthAt, then those no longer valid: only they are looked at.
      BitSet out = null;
      for (int k = 0; k < from.length && from[k] > truthAt; k++) {
        out = clear(out, base, fromDocs[k]);
      }
      for (int k = 0; k < to.length && to[k] <= truthAt; k++) {
        out = clear(out, base, toDocs[k]);
      }
      BitSet result = out == null ? base : out;
      return result.nextSetBit(0) == DocIdSetIterator.NO_MORE_DOCS ? null : result;
    }

    private BitSet clear(BitSet copy, BitSet base, int doc) throws IOException {
      if (!base.get(doc)) {
        return copy;
      }
      if (copy == null) {
        if (base instanceof FixedBitSet f) {
          copy = f.clone();
        } else {
          SparseFixedBitSet s = new SparseFixedBitSet(Math.max(1, maxDoc));
          s.or(new BitSetIterator(base, base.approximateCardinality()));
          copy = s;
        }
      }
      copy.clear(doc);
      return copy;
    }

    /**
     * BM25's view of a field over the scope's live memories in this segment: how many have it, and
     * the sum of their lengths as the norms encode them.
     */
    long[] fieldStatistics(LeafReader reader, String field) throws IOException {
      long[] whole = fields.get(field);
      if (whole == null) {
        whole = lengths(reader, field, docs);
        fields.putIfAbsent(field, whole);
      }
      Live l = live(reader);
      if (l.deletedInScope == null) {
        return whole;
      }
      long[] gone = l.fields.get(field);
      if (gone == null) {
        gone = lengths(reader, field, l.deletedInScope);
        l.fields.putIfAbsent(field, gone);
      }
      return new long[] {whole[0] - gone[0], whole[1] - gone[1]};
    }

    private long[] lengths(LeafReader reader, String field, BitSet set) throws IOException {
      NumericDocValues norms = reader.getNormValues(field);
      long n = 0;
      long length = 0;
      if (norms != null) {
        for (int doc = set.nextSetBit(0);
            doc != DocIdSetIterator.NO_MORE_DOCS;
            doc = doc + 1 >= maxDoc ? DocIdSetIterator.NO_MORE_DOCS : set.nextSetBit(doc + 1)) {
          if (norms.advanceExact(doc)) {
            n++;
            length += SmallFloat.byte4ToInt((byte) norms.longValue());
          }
        }
      }
      return new long[] {n, length};
    }

    /** How many of the scope's live memories in this segment contain {@code term}. */
    int docFreq(LeafReader reader, Term term) throws IOException {
      if (count == 0) {
        return 0;
      }
      Terms terms = reader.terms(term.field());
      if (terms == null) {
        return 0;
      }
      TermsEnum te = terms.iterator();
      if (!te.seekExact(term.bytes())) {
        return 0;
      }
      Bits liveDocs = reader.getLiveDocs();
      if (count == maxDoc && liveDocs == null) {
        return te.docFreq(); // the whole segment is the scope's
      }
      // Leapfrog between the postings and the scope's set: each side skips to the other's next
      // document, so the cost follows the smaller of the two, not the term's postings in the whole
      // segment (a common term over many small scopes) nor the scope (a rare term in a big one).
      PostingsEnum pe = te.postings(null, PostingsEnum.NONE);
      int n = 0;
      int last = maxDoc - 1;
      int doc = pe.nextDoc();
      while (doc != DocIdSetIterator.NO_MORE_DOCS) {
        if (docs.get(doc)) {
          if (liveDocs == null || liveDocs.get(doc)) {
            n++;
          }
          doc = pe.nextDoc();
          continue;
        }
        int next = doc >= last ? DocIdSetIterator.NO_MORE_DOCS : docs.nextSetBit(doc + 1);
        if (next == DocIdSetIterator.NO_MORE_DOCS) {
          break;
        }
        doc = pe.advance(next);
      }
      return n;
    }

    /** The deleted memories of the scope under the segment's current live documents. */
    private Live live(LeafReader reader) {
      Bits liveDocs = reader.getLiveDocs();
      Live l = live;
      if (l != null && l.liveDocs == liveDocs) {
        return l;
      }
      FixedBitSet deleted = null;
      if (liveDocs != null) {
        deleted = new FixedBitSet(Math.max(1, maxDoc));
        for (int doc = docs.nextSetBit(0);
            doc != DocIdSetIterator.NO_MORE_DOCS;
            doc = doc + 1 >= maxDoc ? DocIdSetIterator.NO_MORE_DOCS : docs.nextSetBit(doc + 1)) {
          if (!liveDocs.get(doc)) {
            deleted.set(doc);
          }
        }
      }
      l = new Live(liveDocs, deleted);
      live = l;
      return l;
    }
  }

  /** One version of a segment's live documents and what it removes from a scope's statistics. */
  private static final class Live {
    final Bits liveDocs;
    final FixedBitSet deletedInScope;
    final Map<String, long[]> fields = new ConcurrentHashMap<>();

    Live(Bits liveDocs, FixedBitSet deletedInScope) {
      this.liveDocs = liveDocs;
      this.deletedInScope = deletedInScope;
    }
  }
}
