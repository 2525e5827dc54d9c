package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.backend.WriteBatch;
import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.recall.Admission;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.HashEmbedder;
import dev.engram.retrieval.RetrievalConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermStatistics;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.QueryBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-segment scope cache against recomputing: the admission sets equal the translated filter
 * (as-of instants, validity starting later or ended, every status set), and BM25 statistics and
 * scores equal those of {@link ScopedStatistics}, across segments, updates (deletions in older
 * segments), purges and merges, with one cache kept across reopened readers.
 */
class ScopeCacheTest {
  private static final String[] WORDS = {
    "kayak", "garden", "piano", "tomato", "Lisbon", "violin", "hiking", "coffee", "river", "book"
  };
  private static final Instant BASE = Instant.parse("2026-06-01T00:00:00Z");
  private static final List<Scope> SCOPES =
      List.of(
          Scope.user("a"),
          Scope.user("b"),
          Scope.user("c"),
          Scope.of("a", "bot", null),
          Scope.of("a", null, "s1"));

  @TempDir Path dir;

  private LuceneBackend open() {
    return LuceneBackend.open(
        dir.resolve("store"),
        new LuceneBackend.Options(
            new HashEmbedder(),
            new EnglishAnalyzer(),
            "english",
            RetrievalConfig.defaults(),
            Duration.ofMinutes(10),
            LogFileOps.DEFAULT,
            LuceneBackend::openDirectory,
            false,
            false,
            dev.engram.retrieval.PassageFormat.english()));
  }

  private static Memory memory(Random r, String id) {
    String[] owners = {"a", "b", "c"};
    String user = owners[r.nextInt(owners.length)];
    Scope scope =
        switch (r.nextInt(5)) {
          case 0 -> Scope.of(user, "bot", null);
          case 1 -> Scope.of(user, null, "s1");
          default -> Scope.user(user);
        };
    StringBuilder text = new StringBuilder();
    for (int i = 0, n = 1 + r.nextInt(8); i < n; i++) {
      text.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
    }
    Instant from = BASE.plusSeconds(r.nextInt(2000) - 1000);
    Memory.Builder b =
        Memory.builder()
            .id(MemoryId.of(id))
            .text(text.toString().strip())
            .scope(scope)
            .status(Status.values()[r.nextInt(Status.values().length)])
            .createdAt(BASE.minusSeconds(5000))
            .updatedAt(BASE.minusSeconds(5000))
            .observedAt(BASE.minusSeconds(5000))
            .lastAccessedAt(BASE.minusSeconds(5000))
            .validFrom(from);
    if (r.nextInt(3) == 0) {
      b.validTo(from.plusSeconds(1 + r.nextInt(1500)));
    }
    if (r.nextInt(4) == 0) {
      b.keywords(List.of(WORDS[r.nextInt(WORDS.length)]));
    }
    return b.build();
  }

  @Test
  void cachedSetsAndStatistics_equalRecomputedOnes_acrossSegmentsUpdatesAndMerges()
      throws IOException {
    long seed = new Random().nextLong();
    System.out.println("ScopeCacheTest seed " + seed);
    Random r = new Random(seed);
    ScopeCache cache = new ScopeCache(ScopeCache.DEFAULT_BUDGET_BYTES);
    List<String> ids = new ArrayList<>();
    try (LuceneBackend backend = open();
        FSDirectory fs = FSDirectory.open(dir.resolve("store").resolve("index"))) {
      DirectoryReader reader = null;
      try {
        for (int round = 0; round < 6; round++) {
          List<Memory> upserts = new ArrayList<>();
          for (int i = 0; i < 60; i++) {
            String id = "m" + ids.size();
            ids.add(id);
            upserts.add(memory(r, id));
          }
          // Rewrites of earlier memories delete their documents in older segments.
          for (int i = 0; i < 15 && round > 0; i++) {
            upserts.add(memory(r, ids.get(r.nextInt(ids.size() - 60))));
          }
          List<MemoryId> purges = new ArrayList<>();
          if (round > 1) {
            purges.add(MemoryId.of(ids.get(r.nextInt(ids.size() - 60))));
          }
          backend.apply(new WriteBatch(purges, upserts, List.of()));
          backend.commit();
          DirectoryReader next =
              reader == null ? DirectoryReader.open(fs) : DirectoryReader.openIfChanged(reader);
          if (next != null) {
            if (reader != null) {
              reader.close();
            }
            reader = next;
          }
          compare(new IndexSearcher(reader), cache, r, seed);
        }
      } finally {
        if (reader != null) {
          reader.close();
        }
      }
    }
    assertTrue(cache.size() == 0, "entries of closed segments are dropped: " + cache.size());
  }

  private static void compare(IndexSearcher s, ScopeCache cache, Random r, long seed)
      throws IOException {
    for (Scope scope : SCOPES) {
      Query scopeQuery = LuceneIndex.memories(FilterTranslator.translate(Filter.of(scope)));
      for (int k = 0; k < 6; k++) {
        Instant at = BASE.plusSeconds(r.nextInt(3000) - 1500);
        Set<Status> statuses = EnumSet.noneOf(Status.class);
        for (Status st : Status.values()) {
          if (r.nextBoolean()) {
            statuses.add(st);
          }
        }
        if (statuses.isEmpty()) {
          statuses.add(Status.ACTIVE);
        }
        Filter f =
            Filter.and(
                Filter.of(scope),
                Filter.in("status", List.copyOf(statuses)),
                Filter.lte("validFrom", at),
                Filter.or(Filter.not(Filter.exists("validTo")), Filter.gt("validTo", at)));
        Query cached = AdmissionQuery.forFilter(cache, f, scope, scopeQuery);
        assertNotNull(cached, "the admission filter is recognised");
        Query translated = LuceneIndex.memories(FilterTranslator.translate(f));
        assertEquals(
            docs(s, translated),
            docs(s, cached),
            "admission of " + scope + " " + statuses + " at " + at + " (seed " + seed + ")");
      }
      // BM25 statistics and scores: cached against recomputed.
      ScopedStatistics reference = new ScopedStatistics(s, scopeQuery);
      CachedScopedStatistics kept = new CachedScopedStatistics(s, scopeQuery, cache);
      for (String field : List.of(Fields.CONTENT, Fields.LABELS)) {
        CollectionStatistics a = reference.collectionStatistics(field);
        CollectionStatistics b = kept.collectionStatistics(field);
        assertEquals(a == null, b == null, field);
        if (a != null) {
          assertEquals(a.docCount(), b.docCount(), field + " docCount (seed " + seed + ")");
          assertEquals(a.sumTotalTermFreq(), b.sumTotalTermFreq(), field + " lengths");
        }
        for (String w : WORDS) {
          Term t = new Term(field, new EnglishAnalyzer().normalize(field, w).utf8ToString());
          TermStatistics ta = reference.termStatistics(t, 1000, 2000);
          TermStatistics tb = kept.termStatistics(t, 1000, 2000);
          assertEquals(ta.docFreq(), tb.docFreq(), t + " docFreq (seed " + seed + ")");
        }
      }
      Query text =
          new QueryBuilder(new EnglishAnalyzer())
              .createBooleanQuery(Fields.CONTENT, "kayak river tomato book", Occur.SHOULD);
      Query q =
          new BooleanQuery.Builder().add(text, Occur.MUST).add(scopeQuery, Occur.FILTER).build();
      TopDocs expected = new ScopedStatistics(s, scopeQuery).search(q, 500);
      TopDocs actual = new CachedScopedStatistics(s, scopeQuery, cache).search(q, 500);
      assertEquals(expected.scoreDocs.length, actual.scoreDocs.length);
      float[] es = new float[expected.scoreDocs.length];
      float[] as = new float[actual.scoreDocs.length];
      for (int i = 0; i < es.length; i++) {
        es[i] = expected.scoreDocs[i].score;
        as[i] = actual.scoreDocs[i].score;
        assertEquals(expected.scoreDocs[i].doc, actual.scoreDocs[i].doc, "rank " + i);
      }
      assertArrayEquals(es, as, "BM25 scores of " + scope + " (seed " + seed + ")");
    }
  }

  private static Set<Integer> docs(IndexSearcher s, Query q) throws IOException {
    Set<Integer> out = new TreeSet<>();
    for (ScoreDoc d : s.search(q, Math.max(1, s.getIndexReader().maxDoc())).scoreDocs) {
      out.add(d.doc);
    }
    return out;
  }

  /**
   * A term's frequency within a scope, counted by skipping between the postings and the scope's
   * set, against counting every posting: over segments large enough that postings skip whole
   * blocks, with scopes that are one run of documents, scattered, or nearly everything, terms rare
   * and common, and deletions.
   */
  @Test
  void docFreqWithinAScope_equalsCountingEveryPosting_inLargeSegments() throws IOException {
    long seed = new Random().nextLong();
    System.out.println("ScopeCacheTest docFreq seed " + seed);
    Random r = new Random(seed);
    int n = 6000 + r.nextInt(3000);
    // Scope of each document: a run of documents (as a user's bulk load), scattered few,
    // scattered many, or the rest.
    int runStart = r.nextInt(n / 2);
    int runEnd = runStart + 1 + r.nextInt(400);
    String[] scopeOf = new String[n];
    for (int d = 0; d < n; d++) {
      int p = r.nextInt(100);
      scopeOf[d] = d >= runStart && d < runEnd ? "run" : p < 2 ? "few" : p < 60 ? "many" : "rest";
    }
    // Term t<k> is in a document with probability about 2^-k: from common to rare.
    int termCount = 12;
    try (org.apache.lucene.store.Directory d = new org.apache.lucene.store.ByteBuffersDirectory();
        org.apache.lucene.index.IndexWriter w =
            new org.apache.lucene.index.IndexWriter(
                d, new org.apache.lucene.index.IndexWriterConfig(new EnglishAnalyzer()))) {
      boolean[][] has = new boolean[n][termCount];
      for (int doc = 0; doc < n; doc++) {
        org.apache.lucene.document.Document document = new org.apache.lucene.document.Document();
        document.add(
            new org.apache.lucene.document.StringField(
                "id", Integer.toString(doc), org.apache.lucene.document.Field.Store.NO));
        document.add(
            new org.apache.lucene.document.StringField(
                "scope", scopeOf[doc], org.apache.lucene.document.Field.Store.NO));
        StringBuilder text = new StringBuilder("x ");
        for (int k = 0; k < termCount; k++) {
          if (r.nextInt(1 << k) == 0) {
            has[doc][k] = true;
            text.append('t').append(k).append(' ');
          }
        }
        document.add(
            new org.apache.lucene.document.TextField(
                "text", text.toString(), org.apache.lucene.document.Field.Store.NO));
        w.addDocument(document);
      }
      w.forceMerge(1 + r.nextInt(2));
      boolean[] deleted = new boolean[n];
      if (r.nextBoolean()) {
        for (int k = 0, m = r.nextInt(n / 10); k < m; k++) {
          int doc = r.nextInt(n);
          deleted[doc] = true;
          w.deleteDocuments(new Term("id", Integer.toString(doc)));
        }
      }
      w.commit();
      ScopeCache cache = new ScopeCache(ScopeCache.DEFAULT_BUDGET_BYTES);
      try (DirectoryReader reader = DirectoryReader.open(d)) {
        IndexSearcher s = new IndexSearcher(reader);
        for (String scope : List.of("run", "few", "many", "rest")) {
          Query scopeQuery = new org.apache.lucene.search.TermQuery(new Term("scope", scope));
          for (int k = 0; k < termCount; k++) {
            int expected = 0;
            for (int doc = 0; doc < n; doc++) {
              if (has[doc][k] && !deleted[doc] && scopeOf[doc].equals(scope)) {
                expected++;
              }
            }
            int counted = 0;
            for (org.apache.lucene.index.LeafReaderContext leaf : reader.leaves()) {
              counted +=
                  cache.get(s, leaf, scopeQuery).docFreq(leaf.reader(), new Term("text", "t" + k));
            }
            assertEquals(expected, counted, "t" + k + " in " + scope + " (seed " + seed + ")");
          }
        }
      }
    }
  }

  @Test
  void theFilterAdmissionWritesForASearch_isTheOneRecognised() {
    Admission admission = new Admission(DecayPolicy.defaults());
    Instant now = BASE;
    for (SearchRequest request :
        List.of(
            SearchRequest.builder(Scope.user("a"), "kayak").build(),
            SearchRequest.builder(Scope.user("a"), "kayak").asOf(BASE.minusSeconds(60)).build(),
            SearchRequest.builder(Scope.of("a", "bot", null), "kayak")
                .includeArchived(true)
                .filter(Filter.eq("metadata.topic", "t1"))
                .build())) {
      Filter f = admission.forSearch(request, now);
      Query scopeQuery =
          LuceneIndex.memories(FilterTranslator.translate(Filter.of(request.scope())));
      assertNotNull(
          AdmissionQuery.forFilter(
              new ScopeCache(ScopeCache.DEFAULT_BUDGET_BYTES), f, request.scope(), scopeQuery),
          "recognised: " + f);
    }
  }
}
