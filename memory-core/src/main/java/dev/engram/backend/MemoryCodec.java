package dev.engram.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Role;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.memory.Turn;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of memories and history events that persistent backends store, so that every
 * backend writes the same, versioned record. Field names are part of the on-disk format: add, never
 * rename.
 */
public final class MemoryCodec {
  /** The format version written into every record. */
  public static final int FORMAT = 1;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private MemoryCodec() {}

  /** The shared mapper (thread-safe) for backends that embed these trees in their own records. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** A memory as a JSON string. */
  public static String toJson(Memory m) {
    return write(toTree(m));
  }

  /** A history event as a JSON string. */
  public static String toJson(HistoryEvent e) {
    return write(toTree(e));
  }

  /**
   * Parses a memory.
   *
   * @throws IllegalArgumentException if the text is not a memory record of a known format
   */
  public static Memory memoryFromJson(String json) {
    // The streaming reader decodes the records this codec writes; it leaves anything else to the
    // tree reader, whose errors and leniency stay the contract.
    Memory fast = MemoryReader.read(json);
    return fast != null ? fast : memoryFromTree(read(json));
  }

  /**
   * Parses a memory from its UTF-8 bytes.
   *
   * @throws IllegalArgumentException if the bytes are not a memory record of a known format
   */
  public static Memory memoryFromJson(byte[] utf8, int offset, int length) {
    Memory fast = MemoryReader.read(utf8, offset, length);
    if (fast != null) {
      return fast;
    }
    try {
      return memoryFromTree(MAPPER.readTree(MAPPER.createParser(utf8, offset, length)));
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed record: not JSON (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Parses a history event.
   *
   * @throws IllegalArgumentException if the text is not an event record of a known format
   */
  public static HistoryEvent eventFromJson(String json) {
    return eventFromTree(read(json));
  }

  /** A memory as a JSON tree. */
  public static ObjectNode toTree(Memory m) {
    ObjectNode n = NODES.objectNode();
    n.put("v", FORMAT);
    n.put("id", m.id().value());
    n.put("text", m.text());
    putScope(n, m.scope());
    n.put("tier", m.tier().name());
    n.put("kind", m.kind().name());
    n.put("status", m.status().name());
    n.put("importance", m.importance());
    n.put("strength", m.strength());
    n.put("accessCount", m.accessCount());
    n.put("createdAt", m.createdAt().toString());
    n.put("updatedAt", m.updatedAt().toString());
    n.put("observedAt", m.observedAt().toString());
    n.put("lastAccessedAt", m.lastAccessedAt().toString());
    n.put("validFrom", m.validFrom().toString());
    if (m.validTo() != null) {
      n.put("validTo", m.validTo().toString());
    }
    ObjectNode meta = n.putObject("metadata");
    for (Map.Entry<String, Object> e : m.metadata().entrySet()) {
      meta.set(e.getKey(), metadataValue(e.getValue()));
    }
    strings(n.putArray("keywords"), m.keywords());
    strings(n.putArray("tags"), m.tags());
    n.put("context", m.context());
    ArrayNode links = n.putArray("links");
    for (Link l : m.links()) {
      links.addObject().put("target", l.target().value()).put("relation", l.relation());
    }
    strings(n.putArray("sources"), m.sources());
    if (m.turn() != null) {
      ObjectNode t = n.putObject("turn");
      if (m.turn().session() != null) {
        t.put("session", m.turn().session());
      }
      t.put("number", m.turn().number());
      if (m.turn().speaker() != null) {
        t.put("speaker", m.turn().speaker());
      }
      t.put("role", m.turn().role().name());
    }
    n.put("version", m.version());
    return n;
  }

  /** A history event as a JSON tree. */
  public static ObjectNode toTree(HistoryEvent e) {
    ObjectNode n = NODES.objectNode();
    n.put("v", FORMAT);
    n.put("seq", e.sequence());
    n.put("memoryId", e.memoryId().value());
    putScope(n, e.scope());
    n.put("type", e.type().name());
    if (e.before() != null) {
      n.set("before", toTree(e.before()));
    }
    if (e.after() != null) {
      n.set("after", toTree(e.after()));
    }
    n.put("reason", e.reason());
    n.put("actor", e.actor());
    n.put("at", e.at().toString());
    return n;
  }

  /**
   * Reads a memory tree.
   *
   * @throws IllegalArgumentException if the tree is not a memory record of a known format
   */
  public static Memory memoryFromTree(JsonNode n) {
    try {
      checkFormat(n);
      Map<String, Object> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> f : required(n, "metadata").properties()) {
        metadata.put(f.getKey(), metadataFromNode(f.getValue()));
      }
      List<Link> links = new ArrayList<>();
      for (JsonNode l : required(n, "links")) {
        links.add(new Link(new MemoryId(text(l, "target")), text(l, "relation")));
      }
      return new Memory(
          new MemoryId(text(n, "id")),
          text(n, "text"),
          scope(n),
          Tier.valueOf(text(n, "tier")),
          Kind.valueOf(text(n, "kind")),
          Status.valueOf(text(n, "status")),
          required(n, "importance").asDouble(),
          required(n, "strength").asDouble(),
          required(n, "accessCount").asLong(),
          instant(n, "createdAt"),
          instant(n, "updatedAt"),
          instant(n, "observedAt"),
          instant(n, "lastAccessedAt"),
          instant(n, "validFrom"),
          n.hasNonNull("validTo") ? instant(n, "validTo") : null,
          metadata,
          stringList(required(n, "keywords")),
          stringList(required(n, "tags")),
          text(n, "context"),
          links,
          stringList(required(n, "sources")),
          n.hasNonNull("turn") ? turn(n.get("turn")) : null,
          required(n, "version").asLong());
    } catch (RuntimeException e) {
      throw malformed("memory", e);
    }
  }

  /**
   * Reads an event tree.
   *
   * @throws IllegalArgumentException if the tree is not an event record of a known format
   */
  public static HistoryEvent eventFromTree(JsonNode n) {
    try {
      checkFormat(n);
      return new HistoryEvent(
          required(n, "seq").asLong(),
          new MemoryId(text(n, "memoryId")),
          scope(n),
          EventType.valueOf(text(n, "type")),
          n.hasNonNull("before") ? memoryFromTree(n.get("before")) : null,
          n.hasNonNull("after") ? memoryFromTree(n.get("after")) : null,
          readReason(text(n, "reason")),
          text(n, "actor"),
          instant(n, "at"));
    } catch (RuntimeException e) {
      throw malformed("history event", e);
    }
  }

  private static Turn turn(JsonNode t) {
    return new Turn(
        t.hasNonNull("session") ? text(t, "session") : null,
        required(t, "number").asLong(),
        t.hasNonNull("speaker") ? text(t, "speaker") : null,
        Role.valueOf(text(t, "role")));
  }

  /** Records written before reasons had a limit keep their first part. */
  private static String readReason(String reason) {
    return reason.length() <= HistoryEvent.MAX_REASON_LENGTH
        ? reason
        : reason.substring(0, HistoryEvent.MAX_REASON_LENGTH - 3) + "...";
  }

  private static IllegalArgumentException malformed(String what, RuntimeException e) {
    if (e instanceof IllegalArgumentException iae && iae.getMessage().startsWith("malformed ")) {
      return iae;
    }
    return new IllegalArgumentException("malformed " + what + " record: " + e.getMessage(), e);
  }

  private static void checkFormat(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    int v = required(n, "v").asInt();
    if (v != FORMAT) {
      throw new IllegalArgumentException(
          "record format "
              + v
              + " is not supported by this version (which reads format "
              + FORMAT
              + ")");
    }
  }

  private static void putScope(ObjectNode n, Scope s) {
    if (s.userId() != null) {
      n.put("userId", s.userId());
    }
    if (s.agentId() != null) {
      n.put("agentId", s.agentId());
    }
    if (s.sessionId() != null) {
      n.put("sessionId", s.sessionId());
    }
  }

  private static Scope scope(JsonNode n) {
    return new Scope(
        n.hasNonNull("userId") ? n.get("userId").asText() : null,
        n.hasNonNull("agentId") ? n.get("agentId").asText() : null,
        n.hasNonNull("sessionId") ? n.get("sessionId").asText() : null);
  }

  private static JsonNode metadataValue(Object v) {
    if (v instanceof String s) {
      return NODES.textNode(s);
    }
    if (v instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (v instanceof Long l) {
      return NODES.numberNode(l);
    }
    if (v instanceof Double d) {
      return NODES.numberNode(d);
    }
    if (v instanceof List<?> list) {
      ArrayNode a = NODES.arrayNode();
      list.forEach(item -> a.add((String) item));
      return a;
    }
    throw new IllegalArgumentException("unexpected metadata value " + v);
  }

  private static Object metadataFromNode(JsonNode v) {
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isIntegralNumber()) {
      return v.asLong();
    }
    if (v.isFloatingPointNumber()) {
      return v.asDouble();
    }
    if (v.isArray()) {
      return stringList(v);
    }
    throw new IllegalArgumentException("unexpected metadata value " + v);
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }

  private static List<String> stringList(JsonNode a) {
    if (!a.isArray()) {
      throw new IllegalArgumentException("expected an array, got " + a.getNodeType());
    }
    List<String> out = new ArrayList<>(a.size());
    for (JsonNode item : a) {
      if (!item.isTextual()) {
        throw new IllegalArgumentException("expected a string, got " + item.getNodeType());
      }
      out.add(item.asText());
    }
    return out;
  }

  private static JsonNode required(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("missing field '" + field + "'");
    }
    return v;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = required(n, field);
    if (!v.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' is not a string");
    }
    return v.asText();
  }

  private static Instant instant(JsonNode n, String field) {
    return MemoryReader.instant(text(n, field));
  }

  private static String write(JsonNode n) {
    try {
      return MAPPER.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + n, e);
    }
  }

  private static JsonNode read(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "malformed record: not JSON (" + e.getOriginalMessage() + ")", e);
    }
  }
}
