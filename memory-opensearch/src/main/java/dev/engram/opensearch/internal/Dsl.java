package dev.engram.opensearch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.filter.FieldType;
import dev.engram.filter.Filter;
import dev.engram.filter.FilterField;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Translates a {@link Filter} into the OpenSearch query DSL with exactly its reference semantics,
 * over the fields {@link Documents} writes: keywords compare by UTF-8 bytes as {@code Filter#test}
 * does, numbers as doubles (metadata longs in their own field, compared exactly), instants as epoch
 * nanoseconds.
 */
final class Dsl {
  static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static final Set<String> ALWAYS_PRESENT =
      Set.of(
          "id",
          "text",
          "tier",
          "kind",
          "status",
          "importance",
          "strength",
          "accessCount",
          "createdAt",
          "updatedAt",
          "observedAt",
          "lastAccessedAt",
          "validFrom");

  private Dsl() {}

  static ObjectNode matchAll() {
    ObjectNode q = F.objectNode();
    q.putObject("match_all");
    return q;
  }

  static ObjectNode matchNone() {
    ObjectNode q = F.objectNode();
    q.putObject("match_none");
    return q;
  }

  static ObjectNode term(String field, Object value) {
    ObjectNode q = F.objectNode();
    ObjectNode t = q.putObject("term");
    put(t, field, value);
    return q;
  }

  static ObjectNode terms(String field, List<String> values) {
    ObjectNode q = F.objectNode();
    ArrayNode a = q.putObject("terms").putArray(field);
    values.forEach(a::add);
    return q;
  }

  static ObjectNode exists(String field) {
    ObjectNode q = F.objectNode();
    q.putObject("exists").put("field", field);
    return q;
  }

  /** A bool query: {@code filter} (all must hold), or {@code should} with at least one. */
  static ObjectNode bool(String occur, List<? extends JsonNode> clauses) {
    ObjectNode q = F.objectNode();
    ObjectNode b = q.putObject("bool");
    b.putArray(occur).addAll(clauses);
    if (occur.equals("should")) {
      b.put("minimum_should_match", 1);
    }
    return q;
  }

  static ObjectNode and(JsonNode... clauses) {
    return bool("filter", List.of(clauses));
  }

  static ObjectNode or(JsonNode... clauses) {
    return bool("should", List.of(clauses));
  }

  static ObjectNode not(JsonNode clause) {
    ObjectNode q = F.objectNode();
    q.putObject("bool").putArray("must_not").add(clause);
    return q;
  }

  /** A range query: {@code bounds} are gt/gte/lt/lte and their values. */
  static ObjectNode range(String field, Object... bounds) {
    ObjectNode q = F.objectNode();
    ObjectNode r = q.putObject("range").putObject(field);
    for (int i = 0; i < bounds.length; i += 2) {
      put(r, (String) bounds[i], bounds[i + 1]);
    }
    return q;
  }

  private static void put(ObjectNode n, String key, Object v) {
    switch (v) {
      case String s -> n.put(key, s);
      case Long l -> n.put(key, l);
      case Double d -> n.put(key, d);
      case Boolean b -> n.put(key, b);
      default -> throw new IllegalArgumentException("unexpected value " + v);
    }
  }

  static ObjectNode translate(Filter f) {
    return switch (f) {
      case Filter.MatchAll all -> matchAll();
      case Filter.And and -> bool("filter", and.filters().stream().map(Dsl::translate).toList());
      case Filter.Or or -> bool("should", or.filters().stream().map(Dsl::translate).toList());
      case Filter.Not not -> not(translate(not.filter()));
      case Filter.Exists e -> exists(e.field());
      case Filter.Comparison c -> compare(c.field(), c.op(), c.value());
      case Filter.In in ->
          bool(
              "should",
              in.values().stream().map(v -> compare(in.field(), Filter.Op.EQ, v)).toList());
      case Filter.Contains c -> contains(c);
    };
  }

  private static ObjectNode exists(FilterField field) {
    if (ALWAYS_PRESENT.contains(field.name())) {
      return matchAll();
    }
    String marker = field.isMetadata() ? "m:" + field.metadataKey() : field.name();
    return term(Documents.PRESENT, marker);
  }

  /** The keyword field a string-valued built-in field is indexed in. */
  private static String keywordField(String name) {
    return switch (name) {
      case "text" -> Documents.TEXT_RAW;
      case "context" -> Documents.CONTEXT_RAW;
      default -> name;
    };
  }

  private static ObjectNode compare(FilterField field, Filter.Op op, Object value) {
    return switch (field.type()) {
      case STRING, STRING_LIST, ENUM -> keyword(keywordField(field.name()), op, (String) value);
      case NUMBER -> number(field.name(), op, (Double) value);
      case INSTANT -> longRange(field.name(), op, Documents.nanos((Instant) value));
      case METADATA -> {
        String key = field.metadataKey();
        if (value instanceof String s) {
          yield keyword(Documents.metaString(key), op, s);
        } else if (value instanceof Double d) {
          yield or(
              number(Documents.metaDouble(key), op, d), longRange(Documents.metaLong(key), op, d));
        } else if (value instanceof Long l) {
          yield or(
              number(Documents.metaDouble(key), op, l), longRange(Documents.metaLong(key), op, l));
        } else {
          yield keyword(Documents.metaBoolean(key), op, value.toString());
        }
      }
    };
  }

  private static ObjectNode keyword(String field, Filter.Op op, String v) {
    return switch (op) {
      case EQ -> term(field, v);
      case GT -> range(field, "gt", v);
      case GTE -> range(field, "gte", v);
      case LT -> range(field, "lt", v);
      case LTE -> range(field, "lte", v);
    };
  }

  private static ObjectNode number(String field, Filter.Op op, double raw) {
    double v = Documents.normalize(raw);
    return switch (op) {
      case EQ -> range(field, "gte", v, "lte", v);
      case GT -> range(field, "gt", v);
      case GTE -> range(field, "gte", v);
      case LT -> range(field, "lt", v);
      case LTE -> range(field, "lte", v);
    };
  }

  /** Stored doubles against a long operand, compared exactly (the operand may exceed 2^53). */
  private static ObjectNode number(String field, Filter.Op op, long operand) {
    double d = (double) operand;
    int side = new BigDecimal(d).compareTo(new BigDecimal(operand));
    return switch (op) {
      case EQ -> side == 0 ? range(field, "gte", d, "lte", d) : matchNone();
      case GT -> range(field, side > 0 ? "gte" : "gt", d);
      case GTE -> range(field, side >= 0 ? "gte" : "gt", d);
      case LT -> range(field, side < 0 ? "lte" : "lt", d);
      case LTE -> range(field, side <= 0 ? "lte" : "lt", d);
    };
  }

  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  /** Stored longs against a double operand, compared exactly. */
  private static ObjectNode longRange(String field, Filter.Op op, double operand) {
    BigDecimal d = new BigDecimal(operand);
    BigDecimal floor = d.setScale(0, RoundingMode.FLOOR);
    BigDecimal ceil = d.setScale(0, RoundingMode.CEILING);
    return switch (op) {
      case EQ ->
          floor.compareTo(d) == 0
                  && floor.compareTo(LONG_MIN) >= 0
                  && floor.compareTo(LONG_MAX) <= 0
              ? term(field, floor.longValueExact())
              : matchNone();
      case GT -> atLeast(field, floor.add(BigDecimal.ONE));
      case GTE -> atLeast(field, ceil);
      case LT -> atMost(field, ceil.subtract(BigDecimal.ONE));
      case LTE -> atMost(field, floor);
    };
  }

  private static ObjectNode atLeast(String field, BigDecimal min) {
    if (min.compareTo(LONG_MAX) > 0) {
      return matchNone();
    }
    return range(field, "gte", min.max(LONG_MIN).longValueExact());
  }

  private static ObjectNode atMost(String field, BigDecimal max) {
    if (max.compareTo(LONG_MIN) < 0) {
      return matchNone();
    }
    return range(field, "lte", max.min(LONG_MAX).longValueExact());
  }

  private static ObjectNode longRange(String field, Filter.Op op, long v) {
    return switch (op) {
      case EQ -> term(field, v);
      case GT -> range(field, "gt", v);
      case GTE -> range(field, "gte", v);
      case LT -> range(field, "lt", v);
      case LTE -> range(field, "lte", v);
    };
  }

  private static ObjectNode contains(Filter.Contains c) {
    FilterField field = c.field();
    if (field.type() == FieldType.STRING_LIST) {
      return term(field.name(), c.value());
    }
    if (field.type() == FieldType.STRING) {
      return substring(keywordField(field.name()), c.value());
    }
    String key = field.metadataKey();
    ObjectNode isList = term(Documents.LIST_KEYS, key);
    ObjectNode element = and(isList, term(Documents.metaString(key), c.value()));
    ObjectNode sub =
        and(substring(Documents.metaString(key), c.value()), not(term(Documents.LIST_KEYS, key)));
    return or(element, sub);
  }

  private static ObjectNode substring(String field, String value) {
    StringBuilder pattern = new StringBuilder("*");
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch == '*' || ch == '?' || ch == '\\') {
        pattern.append('\\');
      }
      pattern.append(ch);
    }
    ObjectNode q = F.objectNode();
    q.putObject("wildcard").putObject(field).put("value", pattern.append('*').toString());
    return q;
  }
}
