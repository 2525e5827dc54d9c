package dev.engram.retrieval.internal;

import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.retrieval.PassageFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;

/**
 * The previous-turn field of conversation turns: each turn said in a session is indexed with the
 * turn before it ("Speaker: text"), which BM25 searches at a lower weight, so that a reply is found
 * by the words of the question it answers. Turns are numbered by the store ({@code Memory.turn()});
 * the previous turn is the session's turn with the highest number below. A purged or re-worded turn
 * must not live on in the next turn's field, so those batches rewrite their session's fields.
 *
 * <p>Used under the backend's write lock. The end of each session seen so far is kept, so that a
 * conversation appended turn by turn needs no index read.
 */
final class TurnContext {
  /** The last turn of a session: its number and its form as the next turn's context. */
  private record Tail(long number, String form) {}

  /** A turn of a session being rewritten: a batch upsert (its index) or an indexed document. */
  private record Slot(int batchIndex, int doc) {}

  private final Map<String, Tail> tails = new HashMap<>();

  /** The session key of a turn said in a session, or {@code null}. */
  static String sessionOf(Memory m) {
    return m.turn() == null ? null : LuceneDocuments.sessionKey(m.scope());
  }

  /**
   * The batch's upserts with their previous-turn context, plus rewrites of other turns whose
   * context the batch changes.
   *
   * @param existing what the index holds of each upsert (null for a new memory)
   * @param purgedSessions the session keys of turns the batch purges
   * @param reader a reader that sees every write so far, for the rare batch that needs one
   */
  List<Prepared> position(
      List<Prepared> upserts,
      List<LuceneIndex.Existing> existing,
      Set<String> purgedSessions,
      Set<MemoryId> purged,
      Supplier<IndexSearcher> reader,
      java.util.function.Consumer<IndexSearcher> release)
      throws IOException {
    Set<String> touched = new LinkedHashSet<>(purgedSessions);
    Map<String, String> batchForms = new HashMap<>();
    List<Prepared> out = new ArrayList<>(upserts.size());
    for (int i = 0; i < upserts.size(); i++) {
      Prepared p = upserts.get(i);
      Memory m = p.memory();
      String key = sessionOf(m);
      if (key == null) {
        out.add(p.withPrevious(null));
        continue;
      }
      long n = m.turn().number();
      String form = PassageFormat.previousTurnText(m);
      LuceneIndex.Existing old = existing.get(i);
      String previous;
      if (old != null) {
        previous = old.previous();
        if (!Objects.equals(old.form(), form)) {
          touched.add(key); // re-worded: the next turn's field changes
        }
      } else {
        previous = batchForms.get(key + '#' + (n - 1));
        if (previous == null) {
          Tail tail = tails.get(key);
          if (tail != null && tail.number() == n - 1) {
            previous = tail.form();
          } else if (tail == null || tail.number() >= n - 1) {
            touched.add(key); // not simply the next turn: the session is walked below
          }
        }
      }
      batchForms.put(key + '#' + n, form);
      Tail tail = tails.get(key);
      if (tail == null || tail.number() <= n) {
        tails.put(key, new Tail(n, form));
      }
      out.add(p.withPrevious(previous));
    }
    if (touched.isEmpty()) {
      return out;
    }
    IndexSearcher s = reader.get();
    try {
      for (String key : touched) {
        rewriteSession(s, key, out, purged);
      }
    } finally {
      release.accept(s);
    }
    return out;
  }

  /**
   * Recomputes the previous-turn field of every turn of a session as the batch leaves it, fixing
   * the batch's own upserts and adding rewrites of the turns whose stored field differs.
   */
  private void rewriteSession(
      IndexSearcher s, String key, List<Prepared> batch, Set<MemoryId> purged) throws IOException {
    tails.remove(key);
    Map<MemoryId, Integer> inBatch = new HashMap<>();
    Map<Long, Integer> batchByNumber = new HashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      Prepared p = batch.get(i);
      inBatch.put(p.memory().id(), i);
      if (key.equals(sessionOf(p.memory()))) {
        batchByNumber.put(p.memory().turn().number(), i);
      }
    }
    Query q =
        new BooleanQuery.Builder()
            .add(LuceneIndex.MEMORIES, Occur.FILTER)
            .add(new TermQuery(new Term(Fields.SESSION_INDEX, key)), Occur.FILTER)
            .build();
    int count = s.count(q);
    // Every turn of the session by number: the index's, overlaid with the batch's.
    java.util.TreeMap<Long, Slot> turns = new java.util.TreeMap<>();
    if (count > 0) {
      TopDocs top = s.search(q, count, new Sort(new SortField(Fields.TURN, SortField.Type.LONG)));
      for (ScoreDoc d : top.scoreDocs) {
        Memory m = LuceneIndex.decode(s, d.doc);
        if (purged.contains(m.id()) || inBatch.containsKey(m.id()) || m.turn() == null) {
          continue;
        }
        turns.put(m.turn().number(), new Slot(-1, d.doc));
      }
    }
    batchByNumber.forEach((n, i) -> turns.put(n, new Slot(i, -1)));
    String previous = null;
    for (Slot slot : turns.values()) {
      if (slot.batchIndex() >= 0) {
        Prepared p = batch.get(slot.batchIndex());
        if (!Objects.equals(p.previous(), previous)) {
          batch.set(slot.batchIndex(), p.withPrevious(previous));
        }
        previous = PassageFormat.previousTurnText(p.memory());
      } else {
        int doc = slot.doc();
        Document stored =
            s.storedFields().document(doc, Set.of(Fields.PREVIOUS_STORED, Fields.EMBEDDED_HASH));
        Memory m = LuceneIndex.decode(s, doc);
        if (!Objects.equals(stored.get(Fields.PREVIOUS_STORED), previous)) {
          batch.add(
              new Prepared(
                  m, LuceneIndex.vectorOf(s, doc), stored.get(Fields.EMBEDDED_HASH), previous));
        }
        previous = PassageFormat.previousTurnText(m);
      }
    }
    if (!turns.isEmpty()) {
      tails.put(key, new Tail(turns.lastKey(), previous));
    }
  }

  /** Forgets what it knows of sessions after a failed write. */
  void clear() {
    tails.clear();
  }
}
