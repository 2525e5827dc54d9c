package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.backend.MemoryCodec;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.retrieval.HashEmbedder;
import dev.engram.retrieval.PassageFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory records are kept as binary doc values; a store written when they were stored fields opens
 * and reads as it did, alone or beside memories in the new form, before and after merges.
 */
class LegacyRecordTest {
  private static final Scope ALICE = Scope.user("alice");

  @TempDir Path dir;

  private MemoryStore open() {
    return Engram.builder()
        .backend(EmbeddedMemory.backend(dir).embedder(new HashEmbedder()).build())
        .build();
  }

  /** Rewrites every memory document in the oldest form: the record a stored field, no doc value. */
  private void toStoredRecords() throws IOException {
    rewrite(true);
  }

  /**
   * Rewrites every memory document in the form before binary records: JSON as the doc value; or,
   * with {@code oldest}, in the oldest form.
   */
  private void rewrite(boolean oldest) throws IOException {
    PassageFormat passages = PassageFormat.english();
    try (FSDirectory index = FSDirectory.open(dir.resolve("index"));
        IndexWriter w =
            new IndexWriter(
                index,
                new IndexWriterConfig(new EnglishAnalyzer())
                    .setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
      try (DirectoryReader r = DirectoryReader.open(w)) {
        IndexSearcher s = new IndexSearcher(r);
        for (ScoreDoc d : s.search(LuceneIndex.MEMORIES, r.maxDoc()).scoreDocs) {
          Memory m = Records.read(s, d.doc);
          Document stored =
              s.storedFields()
                  .document(d.doc, Set.of(Fields.EMBEDDED_HASH, Fields.PREVIOUS_STORED));
          Document old =
              LuceneDocuments.memory(
                  m,
                  MemoryCodec.toJson(m).getBytes(StandardCharsets.UTF_8),
                  passages.passage(m),
                  LuceneIndex.vectorOf(s, d.doc),
                  stored.get(Fields.EMBEDDED_HASH),
                  stored.get(Fields.PREVIOUS_STORED),
                  true);
          if (oldest) {
            old.removeField(Fields.RECORD_VALUES);
            old.add(new StoredField(Fields.RECORD, MemoryCodec.toJson(m)));
          }
          old.add(new StringField(Fields.MEMORY_KEY, m.id().value(), StringField.Store.NO));
          w.updateDocument(new Term(Fields.MEMORY_KEY, m.id().value()), old);
        }
      }
      w.forceMerge(1);
      w.setLiveCommitData(w.getLiveCommitData());
      w.commit();
    }
  }

  /** Memory documents with a record doc value. */
  private long docsWithRecordValues() throws IOException {
    return recordValues(b -> true);
  }

  /** Memory documents whose record doc value is in the binary form. */
  private long binaryRecords() throws IOException {
    return recordValues(b -> BinaryRecord.isBinary(b.bytes, b.offset, b.length));
  }

  private long recordValues(Predicate<BytesRef> counted) throws IOException {
    try (FSDirectory index = FSDirectory.open(dir.resolve("index"));
        DirectoryReader r = DirectoryReader.open(index)) {
      long n = 0;
      for (var leaf : r.leaves()) {
        var values = leaf.reader().getBinaryDocValues(Fields.RECORD_VALUES);
        if (values != null) {
          while (values.nextDoc() != DocIdSetIterator.NO_MORE_DOCS) {
            n += counted.test(values.binaryValue()) ? 1 : 0;
          }
        }
      }
      return n;
    }
  }

  private static final SearchRequest TOMATOES =
      SearchRequest.builder(ALICE, "tomatoes garden").reinforce(false).build();

  /**
   * Alice's memories as written, and the hits of {@link #TOMATOES} (scores move with the clock
   * through decay, so the hits and their order, not the scores).
   */
  private record Written(List<Memory> all, List<Memory> ranking) {}

  /** Two memories of Alice's and one of Bob's, in the current form. */
  private Written write() {
    try (MemoryStore s = open()) {
      s.add(ALICE, "Alice grows tomatoes in her garden");
      s.add(ALICE, "Alice plays the violin on Sundays");
      s.add(Scope.user("bob"), "Bob grows tomatoes too");
      return new Written(
          s.list(ALICE).items(), s.search(TOMATOES).stream().map(h -> h.memory()).toList());
    }
  }

  /** The rewritten store lists, gets and ranks as written. */
  private static void assertReadsAsWritten(MemoryStore s, Written written) {
    assertEquals(written.all(), s.list(ALICE).items());
    for (Memory m : written.all()) {
      assertEquals(m, s.get(ALICE, m.id()).orElseThrow());
    }
    assertEquals(written.ranking(), s.search(TOMATOES).stream().map(h -> h.memory()).toList());
  }

  /** A memory added now, in the current form beside the old ones, is found. */
  private static void addANewOne(MemoryStore s) {
    s.add(ALICE, "Alice bought tomato seeds");
    assertEquals(3, s.list(ALICE).items().size());
    assertTrue(
        s.search(SearchRequest.builder(ALICE, "tomato seeds").reinforce(false).build()).stream()
            .anyMatch(h -> h.memory().text().equals("Alice bought tomato seeds")));
  }

  /** After a reopen, the old memories and the new one are all there. */
  private void assertAllThereAfterReopen(Written written) {
    try (MemoryStore s = open()) {
      List<Memory> now = s.list(ALICE).items();
      assertEquals(3, now.size());
      assertTrue(now.containsAll(written.all()));
    }
  }

  @Test
  void aStoreWithStoredRecords_readsAsBefore_andMixesWithNewOnes() throws IOException {
    Written written = write();
    assertEquals(2, written.all().size());
    toStoredRecords();
    assertEquals(0, docsWithRecordValues(), "every record in the old form");

    try (MemoryStore s = open()) {
      assertReadsAsWritten(s, written);
      // A filter only the reference semantics can evaluate decodes old records too.
      assertEquals(
          1,
          s.search(
                  SearchRequest.builder(ALICE, "tomatoes")
                      .reinforce(false)
                      .filter(Filter.contains("text", "garden"))
                      .build())
              .size());
      addANewOne(s);
    }
    assertEquals(1, docsWithRecordValues());
    assertAllThereAfterReopen(written);
  }

  @Test
  void aStoreWithJsonRecordValues_readsAsBefore_andMixesWithBinaryOnes() throws IOException {
    Written written = write();
    assertEquals(3, binaryRecords(), "new memories are written in the binary form");
    rewrite(false);
    assertEquals(0, binaryRecords(), "every record as JSON, as stores before the binary form");
    assertEquals(3, docsWithRecordValues());

    try (MemoryStore s = open()) {
      assertReadsAsWritten(s, written);
      addANewOne(s);
    }
    assertEquals(1, binaryRecords());
    assertAllThereAfterReopen(written);
  }
}
