package dev.engram.retrieval.internal;

import dev.engram.filter.Filter;
import dev.engram.memory.Scope;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.BitSet;
import org.apache.lucene.util.BitSetIterator;

/**
 * A search's admission — the scope's memories of the admitted statuses valid at the search's
 * instant — read from {@link ScopeCache}'s per-segment sets instead of evaluated over every
 * document of the scope: a filtered vector search then costs its graph walk, and a lexical search
 * its postings. The same documents as the translated filter {@code memories ∧ scope ∧ status ∈ S ∧
 * validFrom ≤ t ∧ (no validTo ∨ validTo > t)}.
 */
final class AdmissionQuery extends Query {
  private final ScopeCache cache;
  private final Query scope;
  private final List<String> statuses;
  private final long truthAt;

  /**
   * @param scope the scope's memories (any status), as {@link LuceneIndex#memories} of the scope
   * @param statuses stored statuses admitted, in a fixed order
   * @param truthAt the search's instant, epoch nanoseconds
   */
  AdmissionQuery(ScopeCache cache, Query scope, List<String> statuses, long truthAt) {
    this.cache = cache;
    this.scope = scope;
    this.statuses = List.copyOf(statuses);
    this.truthAt = truthAt;
  }

  /**
   * The query for a search's filter as {@code dev.engram.recall.Admission#forSearch} writes it —
   * {@code and(scope, in(status, …), lte(validFrom, t), or(not(exists(validTo)), gt(validTo, t)),
   * [the caller's part])} — with the admission read from the cache and the caller's part
   * translated; or {@code null} for any other filter, which the caller translates whole.
   */
  static Query forFilter(ScopeCache cache, Filter filter, Scope scope, Query scopeQuery) {
    if (!(filter instanceof Filter.And and) || and.filters().size() < 4) {
      return null;
    }
    List<Filter> parts = and.filters();
    if (!parts.get(0).equals(Filter.of(scope))
        || !(parts.get(1) instanceof Filter.In in)
        || !in.field().name().equals("status")
        || !(parts.get(2) instanceof Filter.Comparison from)
        || !from.field().name().equals("validFrom")
        || from.op() != Filter.Op.LTE
        || !(from.value() instanceof Instant t)
        || !LuceneDocuments.inNanoRange(t)
        || !parts
            .get(3)
            .equals(Filter.or(Filter.not(Filter.exists("validTo")), Filter.gt("validTo", t)))) {
      return null;
    }
    List<String> statuses = new ArrayList<>();
    for (Object v : in.values()) {
      statuses.add(v.toString());
    }
    statuses = statuses.stream().distinct().sorted().toList();
    Query admission = new AdmissionQuery(cache, scopeQuery, statuses, LuceneDocuments.nanos(t));
    if (parts.size() == 4) {
      return admission;
    }
    BooleanQuery.Builder b = new BooleanQuery.Builder().add(admission, Occur.FILTER);
    for (Filter rest : parts.subList(4, parts.size())) {
      b.add(FilterTranslator.translate(rest), Occur.FILTER);
    }
    return b.build();
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
    return new ConstantScoreWeight(this, boost) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext leaf) throws IOException {
        BitSet admitted = cache.get(searcher, leaf, scope).admitted(statuses, truthAt);
        if (admitted == null) {
          return null;
        }
        return new DefaultScorerSupplier(
            new ConstantScoreScorer(
                score(),
                scoreMode,
                new BitSetIterator(admitted, admitted.approximateCardinality())));
      }

      @Override
      public boolean isCacheable(LeafReaderContext ctx) {
        return false; // cached here already, and the instant differs per search
      }
    };
  }

  @Override
  public void visit(QueryVisitor visitor) {
    visitor.visitLeaf(this);
  }

  @Override
  public String toString(String field) {
    return "admission(" + scope + ", status " + statuses + ", at " + truthAt + ")";
  }

  @Override
  public boolean equals(Object o) {
    return sameClassAs(o)
        && cache == ((AdmissionQuery) o).cache
        && scope.equals(((AdmissionQuery) o).scope)
        && statuses.equals(((AdmissionQuery) o).statuses)
        && truthAt == ((AdmissionQuery) o).truthAt;
  }

  @Override
  public int hashCode() {
    return Objects.hash(classHash(), System.identityHashCode(cache), scope, statuses, truthAt);
  }
}
