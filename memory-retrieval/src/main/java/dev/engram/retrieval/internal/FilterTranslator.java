package dev.engram.retrieval.internal;

import dev.engram.filter.FieldType;
import dev.engram.filter.Filter;
import dev.engram.filter.FilterField;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Set;
import org.apache.lucene.document.DoubleField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TermRangeQuery;
import org.apache.lucene.search.WildcardQuery;
import org.apache.lucene.util.BytesRef;

/**
 * Translates a {@link Filter} into a Lucene query with exactly its reference semantics. Every
 * predicate maps onto index structures but those on a memory's free text ({@code text}, {@code
 * context}) other than existence, which fall back to {@link ReferenceFilterQuery}.
 */
final class FilterTranslator {
  /** Built-in fields every memory has, so {@code exists} always holds for them. */
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

  /** Free-text fields with no exact index structure. */
  private static final Set<String> FREE_TEXT = Set.of("text", "context");

  private FilterTranslator() {}

  static Query translate(Filter f) {
    return switch (f) {
      case Filter.MatchAll all -> MatchAllDocsQuery.INSTANCE;
      case Filter.And and -> {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        and.filters().forEach(x -> b.add(translate(x), Occur.FILTER));
        yield b.build();
      }
      case Filter.Or or -> {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        or.filters().forEach(x -> b.add(translate(x), Occur.SHOULD));
        b.setMinimumNumberShouldMatch(1);
        yield b.build();
      }
      case Filter.Not not -> negate(translate(not.filter()));
      case Filter.Exists e -> exists(e.field());
      case Filter.Comparison c -> compare(c.field(), c.op(), c.value(), c);
      case Filter.In in -> {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (Object v : in.values()) {
          b.add(compare(in.field(), Filter.Op.EQ, v, in), Occur.SHOULD);
        }
        b.setMinimumNumberShouldMatch(1);
        yield b.build();
      }
      case Filter.Contains c -> contains(c);
    };
  }

  static Query negate(Query q) {
    return new BooleanQuery.Builder()
        .add(MatchAllDocsQuery.INSTANCE, Occur.FILTER)
        .add(q, Occur.MUST_NOT)
        .build();
  }

  private static Query exists(FilterField field) {
    if (ALWAYS_PRESENT.contains(field.name())) {
      return MatchAllDocsQuery.INSTANCE;
    }
    String marker = field.isMetadata() ? "m:" + field.metadataKey() : field.name();
    return new TermQuery(new Term(Fields.PRESENT, marker));
  }

  private static Query compare(FilterField field, Filter.Op op, Object value, Filter original) {
    if (FREE_TEXT.contains(field.name())) {
      return new ReferenceFilterQuery(original);
    }
    return switch (field.type()) {
      case STRING, STRING_LIST, ENUM -> keyword(field.name(), op, (String) value);
      case NUMBER -> number(field.name(), op, (Double) value);
      case INSTANT -> {
        Instant i = (Instant) value;
        yield LuceneDocuments.inNanoRange(i)
            ? longRange(field.name(), op, LuceneDocuments.nanos(i))
            : new ReferenceFilterQuery(original);
      }
      case METADATA -> {
        String key = field.metadataKey();
        if (value instanceof String s) {
          yield keyword(Fields.metadataString(key), op, s);
        } else if (value instanceof Double d) {
          yield either(
              number(Fields.metadataNumber(key), op, d),
              longRange(Fields.metadataLong(key), op, d));
        } else if (value instanceof Long l) {
          yield either(
              number(Fields.metadataNumber(key), op, l),
              longRange(Fields.metadataLong(key), op, l));
        } else {
          yield keyword(Fields.metadataBoolean(key), op, value.toString());
        }
      }
    };
  }

  private static Query keyword(String field, Filter.Op op, String value) {
    BytesRef v = new BytesRef(value);
    return switch (op) {
      case EQ -> new TermQuery(new Term(field, v));
      case GT -> new TermRangeQuery(field, v, null, false, true);
      case GTE -> new TermRangeQuery(field, v, null, true, true);
      case LT -> new TermRangeQuery(field, null, v, true, false);
      case LTE -> new TermRangeQuery(field, null, v, true, true);
    };
  }

  private static Query number(String field, Filter.Op op, double raw) {
    double v = LuceneDocuments.normalize(raw);
    return switch (op) {
      case EQ -> DoubleField.newExactQuery(field, v);
      case GT -> DoubleField.newRangeQuery(field, Math.nextUp(v), Double.POSITIVE_INFINITY);
      case GTE -> DoubleField.newRangeQuery(field, v, Double.POSITIVE_INFINITY);
      case LT -> DoubleField.newRangeQuery(field, Double.NEGATIVE_INFINITY, Math.nextDown(v));
      case LTE -> DoubleField.newRangeQuery(field, Double.NEGATIVE_INFINITY, v);
    };
  }

  /** Metadata numbers are stored as doubles or as longs, each in its own field. */
  private static Query either(Query doubles, Query longs) {
    return new BooleanQuery.Builder()
        .add(doubles, Occur.SHOULD)
        .add(longs, Occur.SHOULD)
        .setMinimumNumberShouldMatch(1)
        .build();
  }

  /** Stored doubles against a long operand, compared exactly (the operand may exceed 2^53). */
  private static Query number(String field, Filter.Op op, long operand) {
    double d = (double) operand; // nearest double; may lie either side of the operand
    int side = new BigDecimal(d).compareTo(new BigDecimal(operand));
    return switch (op) {
      case EQ -> side == 0 ? DoubleField.newExactQuery(field, d) : MatchNoDocsQuery.INSTANCE;
      case GT ->
          DoubleField.newRangeQuery(field, side > 0 ? d : Math.nextUp(d), Double.POSITIVE_INFINITY);
      case GTE ->
          DoubleField.newRangeQuery(
              field, side >= 0 ? d : Math.nextUp(d), Double.POSITIVE_INFINITY);
      case LT ->
          DoubleField.newRangeQuery(
              field, Double.NEGATIVE_INFINITY, side < 0 ? d : Math.nextDown(d));
      case LTE ->
          DoubleField.newRangeQuery(
              field, Double.NEGATIVE_INFINITY, side <= 0 ? d : Math.nextDown(d));
    };
  }

  /** Stored longs against a double operand, compared exactly. */
  private static Query longRange(String field, Filter.Op op, double operand) {
    BigDecimal d = new BigDecimal(operand);
    BigDecimal floor = d.setScale(0, RoundingMode.FLOOR);
    BigDecimal ceil = d.setScale(0, RoundingMode.CEILING);
    return switch (op) {
      case EQ ->
          floor.compareTo(d) == 0 && fitsLong(floor)
              ? LongField.newExactQuery(field, floor.longValueExact())
              : MatchNoDocsQuery.INSTANCE;
      case GT -> atLeast(field, floor.add(BigDecimal.ONE));
      case GTE -> atLeast(field, ceil);
      case LT -> atMost(field, ceil.subtract(BigDecimal.ONE));
      case LTE -> atMost(field, floor);
    };
  }

  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private static boolean fitsLong(BigDecimal v) {
    return v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0;
  }

  private static Query atLeast(String field, BigDecimal min) {
    if (min.compareTo(LONG_MAX) > 0) {
      return MatchNoDocsQuery.INSTANCE;
    }
    return LongField.newRangeQuery(field, min.max(LONG_MIN).longValueExact(), Long.MAX_VALUE);
  }

  private static Query atMost(String field, BigDecimal max) {
    if (max.compareTo(LONG_MIN) < 0) {
      return MatchNoDocsQuery.INSTANCE;
    }
    return LongField.newRangeQuery(field, Long.MIN_VALUE, max.min(LONG_MAX).longValueExact());
  }

  private static Query longRange(String field, Filter.Op op, long v) {
    return switch (op) {
      case EQ -> LongField.newExactQuery(field, v);
      case GT ->
          v == Long.MAX_VALUE
              ? MatchNoDocsQuery.INSTANCE
              : LongField.newRangeQuery(field, v + 1, Long.MAX_VALUE);
      case GTE -> LongField.newRangeQuery(field, v, Long.MAX_VALUE);
      case LT ->
          v == Long.MIN_VALUE
              ? MatchNoDocsQuery.INSTANCE
              : LongField.newRangeQuery(field, Long.MIN_VALUE, v - 1);
      case LTE -> LongField.newRangeQuery(field, Long.MIN_VALUE, v);
    };
  }

  private static Query contains(Filter.Contains c) {
    FilterField field = c.field();
    if (FREE_TEXT.contains(field.name())) {
      return new ReferenceFilterQuery(c);
    }
    if (field.type() == FieldType.STRING_LIST) {
      return new TermQuery(new Term(field.name(), c.value()));
    }
    if (field.type() == FieldType.STRING) {
      return substring(field.name(), c.value());
    }
    // Metadata: element membership where the value is a list, substring where it is a string.
    String key = field.metadataKey();
    Query isList = new TermQuery(new Term(Fields.LIST_KEYS, key));
    Query element =
        new BooleanQuery.Builder()
            .add(isList, Occur.FILTER)
            .add(new TermQuery(new Term(Fields.metadataString(key), c.value())), Occur.FILTER)
            .build();
    Query sub =
        new BooleanQuery.Builder()
            .add(substring(Fields.metadataString(key), c.value()), Occur.FILTER)
            .add(isList, Occur.MUST_NOT)
            .build();
    return new BooleanQuery.Builder()
        .add(element, Occur.SHOULD)
        .add(sub, Occur.SHOULD)
        .setMinimumNumberShouldMatch(1)
        .build();
  }

  private static Query substring(String field, String value) {
    StringBuilder pattern = new StringBuilder("*");
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch == '*' || ch == '?' || ch == '\\') {
        pattern.append('\\');
      }
      pattern.append(ch);
    }
    return new WildcardQuery(new Term(field, pattern.append('*').toString()));
  }
}
