package dev.engram.retrieval.internal;

import java.io.IOException;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TotalHits;
import org.apache.lucene.search.knn.KnnCollectorManager;

/**
 * The vector list's search: in a segment where the filter admits few documents, every one of them
 * is scored, without walking the HNSW graph first.
 *
 * <p>Lucene walks the graph whenever a segment admits more documents than its share of k, and
 * scores every admitted document only once the walk has visited as many nodes as there are admitted
 * documents. For one scope among many (a user's few hundred memories among 100,000) that walk is
 * spent: it finds few admitted nodes, gives up, and the exact search follows. Scoring a thousand
 * vectors costs about what one graph walk for 100 neighbours does, and finds the exact nearest.
 */
class ScopedKnnQuery extends KnnFloatVectorQuery {
  /** Segments admitting at most this many documents are searched exactly. */
  static final int EXACT_UP_TO = 1_000;

  ScopedKnnQuery(String field, float[] target, int k, Query filter) {
    super(field, target, k, filter);
  }

  @Override
  protected TopDocs approximateSearch(
      LeafReaderContext context,
      AcceptDocs acceptDocs,
      int visitedLimit,
      KnnCollectorManager knnCollectorManager)
      throws IOException {
    // A filtered search (unfiltered ones get no visit limit) whose walk would be cut short: an
    // incomplete answer makes Lucene score every admitted document instead.
    if (visitedLimit != Integer.MAX_VALUE && acceptDocs.cost() <= EXACT_UP_TO) {
      return new TopDocs(
          new TotalHits(0, TotalHits.Relation.GREATER_THAN_OR_EQUAL_TO), new ScoreDoc[0]);
    }
    return super.approximateSearch(context, acceptDocs, visitedLimit, knnCollectorManager);
  }
}
