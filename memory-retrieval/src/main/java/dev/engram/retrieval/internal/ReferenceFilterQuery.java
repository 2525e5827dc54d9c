package dev.engram.retrieval.internal;

import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.ConstantScoreScorer;
import org.apache.lucene.search.ConstantScoreWeight;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.ScorerSupplier;
import org.apache.lucene.search.TwoPhaseIterator;
import org.apache.lucene.search.Weight;

/**
 * Matches memory documents whose stored record passes {@link Filter#test}: the exact reference
 * semantics, for the rare predicates with no index structure (substring of a memory's text, say).
 * It is a two-phase query, so inside a conjunction it only decodes documents the other clauses
 * (scope, status, …) already accepted.
 */
final class ReferenceFilterQuery extends Query {
  private final Filter filter;

  ReferenceFilterQuery(Filter filter) {
    this.filter = Objects.requireNonNull(filter, "filter");
  }

  @Override
  public Weight createWeight(IndexSearcher searcher, ScoreMode scoreMode, float boost) {
    return new ConstantScoreWeight(this, boost) {
      @Override
      public ScorerSupplier scorerSupplier(LeafReaderContext context) throws IOException {
        Records records = new Records(List.of(context.reader().getContext()));
        DocIdSetIterator all = DocIdSetIterator.all(context.reader().maxDoc());
        TwoPhaseIterator twoPhase =
            new TwoPhaseIterator(all) {
              @Override
              public boolean matches() throws IOException {
                Memory m = records.memoryOrNull(approximation.docID());
                return m != null && filter.test(m);
              }

              @Override
              public float matchCost() {
                return 10_000; // decoding a stored record: evaluate every other clause first
              }
            };
        return new DefaultScorerSupplier(new ConstantScoreScorer(score(), scoreMode, twoPhase));
      }

      @Override
      public boolean isCacheable(LeafReaderContext ctx) {
        return false;
      }
    };
  }

  @Override
  public String toString(String field) {
    return "reference(" + filter + ")";
  }

  @Override
  public void visit(QueryVisitor visitor) {
    visitor.visitLeaf(this);
  }

  @Override
  public boolean equals(Object other) {
    return sameClassAs(other) && filter.equals(((ReferenceFilterQuery) other).filter);
  }

  @Override
  public int hashCode() {
    return classHash() ^ filter.hashCode();
  }
}
