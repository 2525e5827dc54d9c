package dev.engram.retrieval.internal;

import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryCodec;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.memory.Turn;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.util.BytesRef;

/** Builds the Lucene documents of memories and history events. */
final class LuceneDocuments {
  private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L - 1;

  private LuceneDocuments() {}

  /** Whether an instant can be encoded as epoch nanoseconds in a long (years 1677 to 2262). */
  static boolean inNanoRange(Instant i) {
    return Math.abs(i.getEpochSecond()) <= MAX_SECONDS;
  }

  /** Epoch nanoseconds, clamped; clamping keeps the order against any in-range operand. */
  static long nanos(Instant i) {
    if (i.getEpochSecond() > MAX_SECONDS) {
      return Long.MAX_VALUE;
    }
    if (i.getEpochSecond() < -MAX_SECONDS) {
      return Long.MIN_VALUE;
    }
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  /** -0.0 is indexed as 0.0, as the reference semantics treat them as equal. */
  static double normalize(double d) {
    return d == 0 ? 0.0 : d;
  }

  /** The key of a memory's session, unique across owners. */
  static String sessionKey(Scope s) {
    if (s.sessionId() == null) {
      return null;
    }
    return (s.userId() == null ? "" : s.userId())
        + '\u0000'
        + (s.agentId() == null ? "" : s.agentId())
        + '\u0000'
        + s.sessionId();
  }

  /**
   * A memory's document.
   *
   * @param previous the previous turn of the memory's session as the next turn's context field sees
   *     it, or {@code null}
   */
  static Document memory(
      Memory m,
      byte[] record,
      String content,
      float[] vector,
      String embeddedHash,
      String previous,
      boolean withVector) {
    Document d = new Document();
    d.add(new StringField(Fields.TYPE, Fields.MEMORY, Field.Store.NO));
    d.add(new BinaryDocValuesField(Fields.RECORD_VALUES, new BytesRef(record)));
    d.add(new KeywordField(Fields.ID, m.id().value(), Field.Store.NO));
    keyword(d, "userId", m.scope().userId());
    keyword(d, "agentId", m.scope().agentId());
    keyword(d, "sessionId", m.scope().sessionId());
    d.add(new KeywordField("tier", m.tier().name(), Field.Store.NO));
    d.add(new KeywordField("kind", m.kind().name(), Field.Store.NO));
    d.add(new KeywordField("status", m.status().name(), Field.Store.NO));
    d.add(new DoubleField("importance", normalize(m.importance()), Field.Store.NO));
    d.add(new DoubleField("strength", normalize(m.strength()), Field.Store.NO));
    d.add(new DoubleField("accessCount", m.accessCount(), Field.Store.NO));
    d.add(new LongField("createdAt", nanos(m.createdAt()), Field.Store.NO));
    d.add(new LongField("updatedAt", nanos(m.updatedAt()), Field.Store.NO));
    d.add(new LongField("observedAt", nanos(m.observedAt()), Field.Store.NO));
    d.add(new LongField("lastAccessedAt", nanos(m.lastAccessedAt()), Field.Store.NO));
    d.add(new LongField("validFrom", nanos(m.validFrom()), Field.Store.NO));
    if (m.validTo() != null) {
      d.add(new LongField("validTo", nanos(m.validTo()), Field.Store.NO));
      present(d, "validTo");
    }
    list(d, "keywords", m.keywords());
    list(d, "tags", m.tags());
    list(d, "sources", m.sources());
    if (!m.context().isEmpty()) {
      present(d, "context");
      d.add(new TextField(Fields.CONTEXT_TEXT, m.context(), Field.Store.NO));
    }
    for (Map.Entry<String, Object> e : m.metadata().entrySet()) {
      metadata(d, e.getKey(), e.getValue());
    }
    // Retrieval fields.
    d.add(new TextField(Fields.CONTENT, content, Field.Store.NO));
    if (!m.keywords().isEmpty() || !m.tags().isEmpty()) {
      d.add(
          new TextField(
              Fields.LABELS,
              String.join(" ", m.keywords()) + " " + String.join(" ", m.tags()),
              Field.Store.NO));
    }
    Turn turn = m.turn();
    if (turn != null) {
      d.add(new DoubleField("turn", turn.number(), Field.Store.NO));
      present(d, "turn");
      d.add(new KeywordField("role", turn.role().name(), Field.Store.NO));
      present(d, "role");
      keyword(d, "speaker", turn.speaker());
      String session = sessionKey(m.scope());
      if (session != null) {
        d.add(new StringField(Fields.SESSION_INDEX, session, Field.Store.NO));
        d.add(new NumericDocValuesField(Fields.TURN, turn.number()));
      }
    }
    if (previous != null) {
      d.add(new TextField(Fields.PREVIOUS, previous, Field.Store.NO));
      d.add(new StoredField(Fields.PREVIOUS_STORED, previous));
    }
    if (withVector && vector != null) {
      d.add(new KnnFloatVectorField(Fields.VECTOR, vector, VectorSimilarityFunction.DOT_PRODUCT));
      d.add(new StoredField(Fields.EMBEDDED_HASH, embeddedHash));
    }
    return d;
  }

  static Document event(HistoryEvent e) {
    Document d = new Document();
    d.add(new StringField(Fields.TYPE, Fields.EVENT, Field.Store.NO));
    d.add(new StoredField(Fields.RECORD, MemoryCodec.toJson(e)));
    d.add(new KeywordField(Fields.ID, e.memoryId().value(), Field.Store.NO));
    d.add(new LongField(Fields.SEQ, e.sequence(), Field.Store.NO));
    d.add(new StringField(Fields.SEQ + "_key", Long.toString(e.sequence()), Field.Store.NO));
    keyword(d, "userId", e.scope().userId());
    keyword(d, "agentId", e.scope().agentId());
    keyword(d, "sessionId", e.scope().sessionId());
    return d;
  }

  private static void keyword(Document d, String field, String value) {
    if (value != null) {
      d.add(new KeywordField(field, value, Field.Store.NO));
      present(d, field);
    }
  }

  private static void list(Document d, String field, List<String> values) {
    if (!values.isEmpty()) {
      present(d, field);
      for (String v : values) {
        d.add(new KeywordField(field, v, Field.Store.NO));
      }
    }
  }

  private static void present(Document d, String marker) {
    d.add(new StringField(Fields.PRESENT, marker, Field.Store.NO));
  }

  private static void metadata(Document d, String key, Object value) {
    // An empty list has no value, so exists() must not hold for it.
    if (!(value instanceof List<?> l && l.isEmpty())) {
      present(d, "m:" + key);
    }
    switch (value) {
      case String s -> d.add(new KeywordField(Fields.metadataString(key), s, Field.Store.NO));
      case Boolean b ->
          d.add(new KeywordField(Fields.metadataBoolean(key), b.toString(), Field.Store.NO));
      case Long l -> d.add(new LongField(Fields.metadataLong(key), l, Field.Store.NO));
      case Double x ->
          d.add(new DoubleField(Fields.metadataNumber(key), normalize(x), Field.Store.NO));
      case List<?> list -> {
        d.add(new StringField(Fields.LIST_KEYS, key, Field.Store.NO));
        for (Object item : list) {
          d.add(new KeywordField(Fields.metadataString(key), (String) item, Field.Store.NO));
        }
      }
      default -> throw new IllegalArgumentException("unexpected metadata value " + value);
    }
  }

  /** createdAt after the resume point, or equal with a later id (reversed when descending). */
  static Query resumeAfter(ListQuery query) {
    long at = nanos(query.afterCreatedAt());
    BytesRef id = new BytesRef(query.afterId().value());
    Query later =
        query.descending()
            ? LongField.newRangeQuery("createdAt", Long.MIN_VALUE, at - 1)
            : LongField.newRangeQuery("createdAt", at + 1, Long.MAX_VALUE);
    Query sameTimeLaterId =
        new BooleanQuery.Builder()
            .add(LongField.newExactQuery("createdAt", at), Occur.FILTER)
            .add(
                query.descending()
                    ? new TermRangeQuery(Fields.ID, null, id, true, false)
                    : new TermRangeQuery(Fields.ID, id, null, false, true),
                Occur.FILTER)
            .build();
    return new BooleanQuery.Builder()
        .add(later, Occur.SHOULD)
        .add(sameTimeLaterId, Occur.SHOULD)
        .setMinimumNumberShouldMatch(1)
        .build();
  }
}
