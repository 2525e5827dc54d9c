package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.retrieval.HashEmbedder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * History events live in their own index, where searches never go; a store made when they lived
 * beside the memories has them moved on open, once, with nothing lost or doubled.
 */
class HistoryIndexTest {
  private static final Scope ALICE = Scope.user("alice");

  @TempDir Path dir;

  private Path store() {
    return dir.resolve("store");
  }

  private MemoryStore open() {
    return Engram.builder()
        .backend(EmbeddedMemory.backend(store()).embedder(new HashEmbedder()).build())
        .build();
  }

  private int eventsIn(String index) throws IOException {
    try (FSDirectory d = FSDirectory.open(store().resolve(index));
        DirectoryReader r = DirectoryReader.open(d)) {
      return new IndexSearcher(r).count(LuceneIndex.EVENTS);
    }
  }

  @Test
  void eventsAreWrittenToTheHistoryIndex_notBesideTheMemories() throws IOException {
    try (MemoryStore s = open()) {
      Memory m = s.add(ALICE, "Alice grows tomatoes").memories().get(0);
      s.invalidate(ALICE, m.id(), "moved on", "test");
      assertEquals(2, s.history(ALICE, m.id()).size());
    }
    assertEquals(0, eventsIn("index"));
    assertEquals(2, eventsIn(StoreDirectory.HISTORY));
  }

  @Test
  void aStoreWithEventsBesideItsMemories_hasThemMovedOnOpen_onceAndWhole() throws IOException {
    List<HistoryEvent> before;
    Memory m;
    try (MemoryStore s = open()) {
      m = s.add(ALICE, "Alice grows tomatoes").memories().get(0);
      s.add(ALICE, "Alice plays the violin");
      s.invalidate(ALICE, m.id(), "moved on", "test");
      before = s.history(ALICE, m.id());
    }
    // As the store was before the history index: its events in the memory index. The history index
    // keeps its copy, as a crash between the copy's commit and the memory index's would leave it.
    try (FSDirectory history = FSDirectory.open(store().resolve(StoreDirectory.HISTORY));
        DirectoryReader events = DirectoryReader.open(history);
        FSDirectory index = FSDirectory.open(store().resolve("index"));
        IndexWriter w =
            new IndexWriter(
                index, new IndexWriterConfig().setOpenMode(IndexWriterConfig.OpenMode.APPEND))) {
      IndexSearcher s = new IndexSearcher(events);
      for (var d : s.search(LuceneIndex.EVENTS, 100).scoreDocs) {
        String json = s.storedFields().document(d.doc).get(Fields.RECORD);
        HistoryEvent e = dev.engram.backend.MemoryCodec.eventFromJson(json);
        w.updateDocument(
            new Term(Fields.SEQ + "_key", Long.toString(e.sequence())), LuceneDocuments.event(e));
      }
      w.setLiveCommitData(w.getLiveCommitData());
      w.commit();
    }
    assertEquals(3, eventsIn("index"));
    try (MemoryStore s = open()) {
      assertEquals(before, s.history(ALICE, m.id()));
      assertEquals(3, s.history(ALICE, dev.engram.PageRequest.first(100)).items().size());
    }
    assertEquals(0, eventsIn("index"), "moved out of the memory index");
    assertEquals(3, eventsIn(StoreDirectory.HISTORY), "each once");
    try (MemoryStore s = open()) {
      assertEquals(before, s.history(ALICE, m.id()));
      assertTrue(
          s.search(dev.engram.recall.SearchRequest.builder(ALICE, "tomatoes").build()).stream()
              .allMatch(h -> h.memory().scope().equals(ALICE)));
    }
  }
}
