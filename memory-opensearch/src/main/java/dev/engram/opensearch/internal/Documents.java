package dev.engram.opensearch.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.backend.MemoryCodec;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.memory.Turn;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The documents and mappings of the memory and history indices. The full record is kept in {@code
 * _source} (field {@code record}, not indexed) and is what every read decodes; the other fields
 * exist to filter and rank.
 */
final class Documents {
  /** Bumped whenever the mappings below change; an index with another version is refused. */
  static final int MAPPING_VERSION = 1;

  static final String RECORD = "record";
  static final String PRESENT = "_present";
  static final String LIST_KEYS = "_listKeys";
  static final String TEXT_RAW = "_text";
  static final String CONTEXT_RAW = "_context";
  static final String SESSION = "_session";
  static final String TURN = "_turn";
  static final String VECTOR = "vec";
  static final String EMBED_HASH = "_embedHash";
  static final String SEQ = "seq";

  /** The BM25 fields, each with a {@code .len} token count for per-scope length statistics. */
  static final String CONTENT = "content";

  static final String PREVIOUS = "prev";
  static final String LABELS = "labels";
  static final String CONTEXT_TEXT = "contextText";

  /** Keyword fields hold at most this many characters (Lucene's term limit is 32766 bytes). */
  static final int MAX_KEYWORD_CHARS = 8191;

  private static final long MAX_SECONDS = Long.MAX_VALUE / 1_000_000_000L - 1;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Documents() {}

  static String metaString(String key) {
    return "ms." + key;
  }

  static String metaDouble(String key) {
    return "mn." + key;
  }

  static String metaLong(String key) {
    return "ml." + key;
  }

  static String metaBoolean(String key) {
    return "mb." + key;
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

  static double normalize(double d) {
    return d == 0 ? 0.0 : d;
  }

  /** The routing key of a scope's owner: one owner's memories sit in one shard. */
  static String routing(Scope s) {
    return (s.userId() == null ? "" : "u:" + s.userId())
        + "|"
        + (s.agentId() == null ? "" : "a:" + s.agentId());
  }

  /** The key of a memory's session, unique across owners; {@code null} outside a session. */
  static String sessionKey(Scope s) {
    return s.sessionId() == null ? null : routing(s) + "|" + s.sessionId();
  }

  /** The index settings and mappings of the memory index. */
  static ObjectNode memoryIndex(String analyzer, int dimension, int shards, int replicas) {
    ObjectNode body = F.objectNode();
    ObjectNode settings = body.putObject("settings");
    ObjectNode index = settings.putObject("index");
    index.put("number_of_shards", shards);
    index.put("number_of_replicas", replicas);
    index.put("knn", true);
    index.put("max_result_window", 100_000);
    index.put("mapping.total_fields.limit", 10_000);
    index.put("translog.durability", "request");
    // Scores come from a script that has the scope's statistics (see Lexical); the field's own
    // similarity only reports the term frequency.
    index
        .putObject("similarity")
        .putObject("engram_tf")
        .put("type", "scripted")
        .putObject("script")
        .put("source", "return doc.freq;");
    ObjectNode mappings = body.putObject("mappings");
    mappings.put("dynamic", "strict");
    mappings.putObject("_meta").put("engram_mapping_version", MAPPING_VERSION);
    ArrayNode templates = mappings.putArray("dynamic_templates");
    template(templates, "ms", "keyword");
    template(templates, "mb", "keyword");
    template(templates, "mn", "double");
    template(templates, "ml", "long");
    ObjectNode p = mappings.putObject("properties");
    p.putObject(RECORD).put("type", "object").put("enabled", false);
    for (String k :
        List.of(
            "id",
            "userId",
            "agentId",
            "sessionId",
            "tier",
            "kind",
            "status",
            "role",
            "speaker",
            "keywords",
            "tags",
            "sources",
            PRESENT,
            LIST_KEYS,
            SESSION,
            EMBED_HASH)) {
      p.putObject(k).put("type", "keyword");
    }
    for (String k : List.of(TEXT_RAW, CONTEXT_RAW)) {
      p.putObject(k).put("type", "keyword").put("ignore_above", MAX_KEYWORD_CHARS);
    }
    for (String k : List.of("importance", "strength", "accessCount", "turn")) {
      p.putObject(k).put("type", "double");
    }
    for (String k :
        List.of(
            "createdAt",
            "updatedAt",
            "observedAt",
            "lastAccessedAt",
            "validFrom",
            "validTo",
            TURN)) {
      p.putObject(k).put("type", "long");
    }
    for (String k : List.of("ms", "mb", "mn", "ml")) {
      p.putObject(k).put("type", "object").put("dynamic", true);
    }
    for (String k : List.of(CONTENT, PREVIOUS, LABELS, CONTEXT_TEXT)) {
      ObjectNode t = p.putObject(k);
      t.put("type", "text").put("analyzer", analyzer).put("similarity", "engram_tf");
      t.putObject("fields").putObject("len").put("type", "token_count").put("analyzer", analyzer);
    }
    if (dimension > 0) {
      ObjectNode v = p.putObject(VECTOR);
      v.put("type", "knn_vector").put("dimension", dimension);
      v.putObject("method")
          .put("name", "hnsw")
          .put("engine", "lucene")
          .put("space_type", "cosinesimil")
          .putObject("parameters")
          .put("m", 16)
          .put("ef_construction", 100);
    }
    return body;
  }

  private static void template(ArrayNode templates, String object, String type) {
    ObjectNode t = templates.addObject().putObject("meta_" + object);
    t.put("path_match", object + ".*");
    t.putObject("mapping").put("type", type);
  }

  /** The history index: events by sequence, filtered by scope and memory id. */
  static ObjectNode historyIndex(int shards, int replicas) {
    ObjectNode body = F.objectNode();
    ObjectNode index = body.putObject("settings").putObject("index");
    index.put("number_of_shards", shards);
    index.put("number_of_replicas", replicas);
    index.put("max_result_window", 100_000);
    index.put("translog.durability", "request");
    ObjectNode mappings = body.putObject("mappings");
    mappings.put("dynamic", "strict");
    mappings.putObject("_meta").put("engram_mapping_version", MAPPING_VERSION);
    ObjectNode p = mappings.putObject("properties");
    p.putObject(RECORD).put("type", "object").put("enabled", false);
    for (String k : List.of("id", "userId", "agentId", "sessionId", PRESENT)) {
      p.putObject(k).put("type", "keyword");
    }
    p.putObject(SEQ).put("type", "long");
    return body;
  }

  /** The store's metadata and sequence counter, and pending write batches. */
  static ObjectNode plainIndex(int shards, int replicas) {
    ObjectNode body = F.objectNode();
    ObjectNode index = body.putObject("settings").putObject("index");
    index.put("number_of_shards", shards);
    index.put("number_of_replicas", replicas);
    index.put("translog.durability", "request");
    ObjectNode mappings = body.putObject("mappings");
    mappings.put("dynamic", false);
    ObjectNode p = mappings.putObject("properties");
    p.putObject(SEQ).put("type", "long");
    p.putObject("type").put("type", "keyword");
    return body;
  }

  /** A memory's document. */
  static ObjectNode memory(Memory m, String content, float[] vector, String hash, String previous) {
    ObjectNode d = F.objectNode();
    ArrayNode present = F.arrayNode();
    d.set(RECORD, MemoryCodec.toTree(m));
    d.put("id", m.id().value());
    scope(d, present, m.scope());
    d.put("tier", m.tier().name());
    d.put("kind", m.kind().name());
    d.put("status", m.status().name());
    d.put("importance", normalize(m.importance()));
    d.put("strength", normalize(m.strength()));
    d.put("accessCount", (double) m.accessCount());
    d.put("createdAt", nanos(m.createdAt()));
    d.put("updatedAt", nanos(m.updatedAt()));
    d.put("observedAt", nanos(m.observedAt()));
    d.put("lastAccessedAt", nanos(m.lastAccessedAt()));
    d.put("validFrom", nanos(m.validFrom()));
    if (m.validTo() != null) {
      d.put("validTo", nanos(m.validTo()));
      present.add("validTo");
    }
    list(d, present, "keywords", m.keywords());
    list(d, present, "tags", m.tags());
    list(d, present, "sources", m.sources());
    d.put(TEXT_RAW, m.text());
    if (!m.context().isEmpty()) {
      present.add("context");
      d.put(CONTEXT_RAW, m.context());
      d.put(CONTEXT_TEXT, m.context());
    }
    ArrayNode listKeys = F.arrayNode();
    for (Map.Entry<String, Object> e : m.metadata().entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      if (!(value instanceof List<?> l && l.isEmpty())) {
        present.add("m:" + key);
      }
      switch (value) {
        case String s -> d.withObjectProperty("ms").put(key, s);
        case Boolean b -> d.withObjectProperty("mb").put(key, b.toString());
        case Long l -> d.withObjectProperty("ml").put(key, l);
        case Double x -> d.withObjectProperty("mn").put(key, normalize(x));
        case List<?> list -> {
          listKeys.add(key);
          ArrayNode a = d.withObjectProperty("ms").putArray(key);
          list.forEach(item -> a.add((String) item));
        }
        default -> throw new IllegalArgumentException("unexpected metadata value " + value);
      }
    }
    if (!listKeys.isEmpty()) {
      d.set(LIST_KEYS, listKeys);
    }
    d.put(CONTENT, content);
    if (!m.keywords().isEmpty() || !m.tags().isEmpty()) {
      d.put(LABELS, String.join(" ", m.keywords()) + " " + String.join(" ", m.tags()));
    }
    Turn turn = m.turn();
    if (turn != null) {
      d.put("turn", (double) turn.number());
      present.add("turn");
      d.put("role", turn.role().name());
      present.add("role");
      if (turn.speaker() != null) {
        d.put("speaker", turn.speaker());
        present.add("speaker");
      }
      String session = sessionKey(m.scope());
      if (session != null) {
        d.put(SESSION, session);
        d.put(TURN, turn.number());
      }
    }
    if (previous != null) {
      d.put(PREVIOUS, previous);
    }
    if (vector != null) {
      ArrayNode v = d.putArray(VECTOR);
      for (float f : vector) {
        v.add(f);
      }
      d.put(EMBED_HASH, hash);
    }
    d.set(PRESENT, present);
    return d;
  }

  /** An event's document. */
  static ObjectNode event(HistoryEvent e) {
    ObjectNode d = F.objectNode();
    ArrayNode present = F.arrayNode();
    d.set(RECORD, MemoryCodec.toTree(e));
    d.put("id", e.memoryId().value());
    d.put(SEQ, e.sequence());
    scope(d, present, e.scope());
    d.set(PRESENT, present);
    return d;
  }

  private static void scope(ObjectNode d, ArrayNode present, Scope s) {
    keyword(d, present, "userId", s.userId());
    keyword(d, present, "agentId", s.agentId());
    keyword(d, present, "sessionId", s.sessionId());
  }

  private static void keyword(ObjectNode d, ArrayNode present, String field, String value) {
    if (value != null) {
      d.put(field, value);
      present.add(field);
    }
  }

  private static void list(ObjectNode d, ArrayNode present, String field, List<String> values) {
    if (!values.isEmpty()) {
      present.add(field);
      ArrayNode a = d.putArray(field);
      values.forEach(a::add);
    }
  }
}
