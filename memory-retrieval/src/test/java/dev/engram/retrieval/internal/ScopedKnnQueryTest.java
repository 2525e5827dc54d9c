package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.knn.KnnCollectorManager;
import org.apache.lucene.search.knn.KnnSearchStrategy;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.Test;

/**
 * The vector list finds the exact nearest neighbours within a small scope (one user's memories
 * among many), in one segment and across several, and still answers from the graph for a large one.
 */
class ScopedKnnQueryTest {
  private static final int DIMENSIONS = 16;

  private static float[] unit(Random r) {
    float[] v = new float[DIMENSIONS];
    double norm = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
      norm += v[i] * v[i];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= (float) Math.sqrt(norm);
    }
    return v;
  }

  private record Doc(int id, String owner, float[] vector) {}

  /** Counts graph walks: each asks the collector manager for a collector. */
  private static final class Counting extends ScopedKnnQuery {
    final AtomicInteger walks;

    Counting(float[] target, int k, String owner, AtomicInteger walks) {
      super("v", target, k, new TermQuery(new Term("owner", owner)));
      this.walks = walks;
    }

    @Override
    protected KnnCollectorManager getKnnCollectorManager(int k, IndexSearcher searcher) {
      KnnCollectorManager inner = super.getKnnCollectorManager(k, searcher);
      return new KnnCollectorManager() {
        @Override
        public KnnCollector newCollector(
            int visitedLimit, KnnSearchStrategy strategy, LeafReaderContext context)
            throws IOException {
          walks.incrementAndGet();
          return inner.newCollector(visitedLimit, strategy, context);
        }

        @Override
        public KnnCollector newOptimisticCollector(
            int visitedLimit, KnnSearchStrategy strategy, LeafReaderContext context, int k)
            throws IOException {
          walks.incrementAndGet();
          return inner.newOptimisticCollector(visitedLimit, strategy, context, k);
        }

        @Override
        public boolean isOptimistic() {
          return inner.isOptimistic();
        }
      };
    }
  }

  @Test
  void aSmallScope_getsItsExactNearest_andALargeOneItsOwnMemoriesOnly() throws IOException {
    long seed = new Random().nextLong();
    System.out.println("ScopedKnnQueryTest seed " + seed);
    Random r = new Random(seed);
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < 6_000; i++) {
      // "few" has 600 documents (over k, under EXACT_UP_TO); "many" the rest.
      docs.add(new Doc(i, i % 10 == 0 ? "few" : "many", unit(r)));
    }
    for (boolean oneSegment : new boolean[] {true, false}) {
      try (ByteBuffersDirectory dir = new ByteBuffersDirectory();
          IndexWriter w = new IndexWriter(dir, new IndexWriterConfig())) {
        for (Doc d : docs) {
          Document doc = new Document();
          doc.add(new StringField("owner", d.owner(), Field.Store.NO));
          doc.add(new StoredField("id", d.id()));
          doc.add(new KnnFloatVectorField("v", d.vector(), VectorSimilarityFunction.DOT_PRODUCT));
          w.addDocument(doc);
          if (!oneSegment && d.id() % 1_500 == 1_499) {
            w.flush();
          }
        }
        if (oneSegment) {
          w.forceMerge(1);
        }
        w.commit();
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
          IndexSearcher s = new IndexSearcher(reader);
          assertEquals(oneSegment ? 1 : 4, reader.leaves().size());
          for (int q = 0; q < 20; q++) {
            float[] target = unit(r);
            int k = 50;
            AtomicInteger fewWalks = new AtomicInteger();
            TopDocs few = s.search(new Counting(target, k, "few", fewWalks), k);
            assertEquals(0, fewWalks.get(), "a small scope is scored, not walked; seed " + seed);
            // The exact top k, up to ties within float rounding at the k-th score.
            double[] scores =
                docs.stream()
                    .filter(d -> d.owner().equals("few"))
                    .mapToDouble(d -> dot(d.vector(), target))
                    .sorted()
                    .toArray();
            double kth = scores[scores.length - k];
            List<Integer> found = ids(s, few);
            assertEquals(k, found.size(), "seed " + seed);
            for (int id : found) {
              Doc d = docs.get(id);
              assertEquals("few", d.owner(), "seed " + seed);
              assertTrue(
                  dot(d.vector(), target) >= kth - 1e-5,
                  "a document outside the exact top "
                      + k
                      + " in "
                      + reader.leaves().size()
                      + " segment(s); seed "
                      + seed);
            }

            AtomicInteger manyWalks = new AtomicInteger();
            TopDocs many = s.search(new Counting(target, k, "many", manyWalks), k);
            assertTrue(manyWalks.get() > 0, "a large scope walks the graph; seed " + seed);
            assertEquals(k, many.scoreDocs.length);
            for (int id : ids(s, many)) {
              assertTrue(id % 10 != 0, "only the scope's own documents; seed " + seed);
            }
          }
        }
      }
    }
  }

  private static List<Integer> ids(IndexSearcher s, TopDocs top) throws IOException {
    List<Integer> out = new ArrayList<>();
    for (ScoreDoc d : top.scoreDocs) {
      out.add(s.storedFields().document(d.doc).getField("id").numericValue().intValue());
    }
    return out;
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
