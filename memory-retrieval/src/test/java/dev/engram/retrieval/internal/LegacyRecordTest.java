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
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.FSDirectory;
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

  private long docsWithRecordValues() throws IOException {
    try (FSDirectory index = FSDirectory.open(dir.resolve("index"));
        DirectoryReader r = DirectoryReader.open(index)) {
      long n = 0;
      for (var leaf : r.leaves()) {
        var values = leaf.reader().getBinaryDocValues(Fields.RECORD_VALUES);
        if (values != null) {
          while (values.nextDoc() != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS) {
            n++;
          }
        }
      }
      return n;
    }
  }

  @Test
  void aStoreWithStoredRecords_readsAsBefore_andMixesWithNewOnes() throws IOException {
    List<Memory> all;
    List<Memory> ranking; // scores move with the clock (decay): the hits and their order
    SearchRequest q = SearchRequest.builder(ALICE, "tomatoes garden").reinforce(false).build();
    try (MemoryStore s = open()) {
      s.add(ALICE, "Alice grows tomatoes in her garden");
      s.add(ALICE, "Alice plays the violin on Sundays");
      s.add(Scope.user("bob"), "Bob grows tomatoes too");
      all = s.list(ALICE).items();
      ranking = s.search(q).stream().map(h -> h.memory()).toList();
    }
    assertEquals(2, all.size());
    toStoredRecords();
    assertEquals(0, docsWithRecordValues(), "every record in the old form");

    try (MemoryStore s = open()) {
      assertEquals(all, s.list(ALICE).items());
      for (Memory m : all) {
        assertEquals(m, s.get(ALICE, m.id()).orElseThrow());
      }
      assertEquals(ranking, s.search(q).stream().map(h -> h.memory()).toList());
      // A filter only the reference semantics can evaluate decodes old records too.
      assertEquals(
          1,
          s.search(
                  SearchRequest.builder(ALICE, "tomatoes")
                      .reinforce(false)
                      .filter(Filter.contains("text", "garden"))
                      .build())
              .size());
      // New memories in the new form beside the old ones.
      s.add(ALICE, "Alice bought tomato seeds");
      assertEquals(3, s.list(ALICE).items().size());
      assertTrue(
          s.search(SearchRequest.builder(ALICE, "tomato seeds").reinforce(false).build()).stream()
              .anyMatch(h -> h.memory().text().equals("Alice bought tomato seeds")));
    }
    assertEquals(1, docsWithRecordValues());
    try (MemoryStore s = open()) {
      List<Memory> now = s.list(ALICE).items();
      assertEquals(3, now.size());
      assertTrue(now.containsAll(all));
    }
  }

  private long binaryRecords() throws IOException {
    try (FSDirectory index = FSDirectory.open(dir.resolve("index"));
        DirectoryReader r = DirectoryReader.open(index)) {
      long n = 0;
      for (var leaf : r.leaves()) {
        var values = leaf.reader().getBinaryDocValues(Fields.RECORD_VALUES);
        if (values != null) {
          while (values.nextDoc() != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS) {
            var b = values.binaryValue();
            n += BinaryRecord.isBinary(b.bytes, b.offset, b.length) ? 1 : 0;
          }
        }
      }
      return n;
    }
  }

  @Test
  void aStoreWithJsonRecordValues_readsAsBefore_andMixesWithBinaryOnes() throws IOException {
    List<Memory> all;
    List<Memory> ranking;
    SearchRequest q = SearchRequest.builder(ALICE, "tomatoes garden").reinforce(false).build();
    try (MemoryStore s = open()) {
      s.add(ALICE, "Alice grows tomatoes in her garden");
      s.add(ALICE, "Alice plays the violin on Sundays");
      s.add(Scope.user("bob"), "Bob grows tomatoes too");
      all = s.list(ALICE).items();
      ranking = s.search(q).stream().map(h -> h.memory()).toList();
    }
    assertEquals(3, binaryRecords(), "new memories are written in the binary form");
    rewrite(false);
    assertEquals(0, binaryRecords(), "every record as JSON, as stores before the binary form");
    assertEquals(3, docsWithRecordValues());

    try (MemoryStore s = open()) {
      assertEquals(all, s.list(ALICE).items());
      for (Memory m : all) {
        assertEquals(m, s.get(ALICE, m.id()).orElseThrow());
      }
      assertEquals(ranking, s.search(q).stream().map(h -> h.memory()).toList());
      s.add(ALICE, "Alice bought tomato seeds");
      assertEquals(3, s.list(ALICE).items().size());
      assertTrue(
          s.search(SearchRequest.builder(ALICE, "tomato seeds").reinforce(false).build()).stream()
              .anyMatch(h -> h.memory().text().equals("Alice bought tomato seeds")));
    }
    assertEquals(1, binaryRecords());
    try (MemoryStore s = open()) {
      List<Memory> now = s.list(ALICE).items();
      assertEquals(3, now.size());
      assertTrue(now.containsAll(all));
    }
  }
}
