package dev.engram.filter;

import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A condition on memories: the one filter language every backend evaluates identically.
 *
 * <p>{@link #test(Object) test} is the reference semantics; backends translate filters into their
 * native queries and the contract suite checks them against it. The rules:
 *
 * <ul>
 *   <li>Fields are the built-in ones listed by {@link FilterField#builtInNames()} or {@code
 *       metadata.<key>}; an unknown field is an {@link IllegalArgumentException} when the filter is
 *       built.
 *   <li>A list field (keywords, tags, sources, list-valued metadata) satisfies a predicate when any
 *       element does.
 *   <li>Numbers compare by value, exactly: a long metadata value is not rounded to a double (ids
 *       beyond 2^53 stay distinct), and a long equals a double of the same value; strings compare
 *       by Unicode code point; instants by time.
 *   <li>A predicate on an absent value (no such metadata key, no {@code validTo}) or on a value of
 *       another type than the operand does not hold; {@code ne} and {@code nin} are exactly {@code
 *       not(eq)} and {@code not(in)}, so they hold there.
 *   <li>{@code contains} is a case-sensitive substring test on strings and element membership on
 *       lists.
 * </ul>
 *
 * <p>Filters narrow a scope; they can never widen it: the store always adds the scope's own
 * condition. {@code and}, {@code or} and {@code not} nest at most {@value #MAX_DEPTH} levels deep
 * (a deeper filter is an {@link IllegalArgumentException} when it is built), so that evaluating or
 * translating one never exhausts the stack.
 */
public sealed interface Filter extends Predicate<Memory>
    permits Filter.Comparison,
        Filter.In,
        Filter.Contains,
        Filter.Exists,
        Filter.And,
        Filter.Or,
        Filter.Not,
        Filter.MatchAll {

  /** Most levels a filter may nest, counting each {@code and}, {@code or} and {@code not}. */
  int MAX_DEPTH = 32;

  /** How deep the filter nests: 1 for a predicate, one more for each enclosing and / or / not. */
  default int depth() {
    return switch (this) {
      case And a -> 1 + maxDepth(a.filters());
      case Or o -> 1 + maxDepth(o.filters());
      case Not n -> 1 + n.filter().depth();
      default -> 1;
    };
  }

  /** Comparison operators. */
  enum Op {
    /** Equal. */
    EQ,
    /** Greater than. */
    GT,
    /** Greater than or equal. */
    GTE,
    /** Less than. */
    LT,
    /** Less than or equal. */
    LTE
  }

  /** Matches every memory. */
  static Filter all() {
    return MatchAll.INSTANCE;
  }

  /**
   * Exactly the memories {@code scope} {@link Scope#contains contains}, as a filter a backend can
   * translate: equal user and agent ids (an absent id matching only an absent one) and, if the
   * scope names a session, an equal session.
   */
  static Filter of(Scope scope) {
    List<Filter> parts = new ArrayList<>(3);
    parts.add(scope.userId() != null ? eq("userId", scope.userId()) : not(exists("userId")));
    parts.add(scope.agentId() != null ? eq("agentId", scope.agentId()) : not(exists("agentId")));
    if (scope.sessionId() != null) {
      parts.add(eq("sessionId", scope.sessionId()));
    }
    return and(parts);
  }

  /** {@code field == value}. */
  static Filter eq(String field, Object value) {
    return new Comparison(FilterField.of(field), Op.EQ, value);
  }

  /** {@code field != value}, i.e. {@code not(eq(field, value))}. */
  static Filter ne(String field, Object value) {
    return not(eq(field, value));
  }

  /** {@code field > value}. */
  static Filter gt(String field, Object value) {
    return new Comparison(FilterField.of(field), Op.GT, value);
  }

  /** {@code field >= value}. */
  static Filter gte(String field, Object value) {
    return new Comparison(FilterField.of(field), Op.GTE, value);
  }

  /** {@code field < value}. */
  static Filter lt(String field, Object value) {
    return new Comparison(FilterField.of(field), Op.LT, value);
  }

  /** {@code field <= value}. */
  static Filter lte(String field, Object value) {
    return new Comparison(FilterField.of(field), Op.LTE, value);
  }

  /** {@code field} equals one of {@code values}. */
  static Filter in(String field, Collection<?> values) {
    return new In(FilterField.of(field), List.copyOf(values));
  }

  /** {@code field} equals none of {@code values}, i.e. {@code not(in(field, values))}. */
  static Filter nin(String field, Collection<?> values) {
    return not(in(field, values));
  }

  /** Substring of a string field, or element of a list field. */
  static Filter contains(String field, String value) {
    return new Contains(FilterField.of(field), value);
  }

  /** The field has a value (a non-empty list, a present metadata key, a non-null validTo). */
  static Filter exists(String field) {
    return new Exists(FilterField.of(field));
  }

  /** All of the filters hold. */
  static Filter and(Filter... filters) {
    return new And(List.of(filters));
  }

  /** All of the filters hold. */
  static Filter and(List<Filter> filters) {
    return new And(filters);
  }

  /** At least one of the filters holds. */
  static Filter or(Filter... filters) {
    return new Or(List.of(filters));
  }

  /** At least one of the filters holds. */
  static Filter or(List<Filter> filters) {
    return new Or(filters);
  }

  /** The filter does not hold. */
  static Filter not(Filter filter) {
    return new Not(filter);
  }

  /**
   * A comparison of a field with an operand.
   *
   * @param field the field
   * @param op the operator
   * @param value the operand, normalised by {@link FilterField#normalizeOperand}
   */
  record Comparison(FilterField field, Op op, Object value) implements Filter {
    /** Validates the operand against the field's type. */
    public Comparison {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(op, "op");
      value = field.normalizeOperand(value, op != Op.EQ);
    }

    @Override
    public boolean test(Memory m) {
      for (Object actual : field.valuesOf(m)) {
        Integer cmp = Values.compare(actual, value);
        if (cmp != null && holds(op, cmp)) {
          return true;
        }
      }
      return false;
    }

    private static boolean holds(Op op, int cmp) {
      return switch (op) {
        case EQ -> cmp == 0;
        case GT -> cmp > 0;
        case GTE -> cmp >= 0;
        case LT -> cmp < 0;
        case LTE -> cmp <= 0;
      };
    }
  }

  /**
   * Membership of a field's value in a set of operands.
   *
   * @param field the field
   * @param values the operands, at least one, each normalised like an {@code eq} operand
   */
  record In(FilterField field, List<Object> values) implements Filter {
    /** Validates the operands. */
    public In {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(values, "values");
      if (values.isEmpty()) {
        throw new IllegalArgumentException(
            "filter 'in' on '" + field + "' needs at least one value");
      }
      List<Object> normalized = new ArrayList<>(values.size());
      for (Object v : values) {
        normalized.add(field.normalizeOperand(v, false));
      }
      values = List.copyOf(normalized);
    }

    @Override
    public boolean test(Memory m) {
      for (Object actual : field.valuesOf(m)) {
        for (Object v : values) {
          Integer cmp = Values.compare(actual, v);
          if (cmp != null && cmp == 0) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /**
   * Substring (string fields) or element membership (list fields).
   *
   * @param field a string, list or metadata field
   * @param value the non-empty substring or element
   */
  record Contains(FilterField field, String value) implements Filter {
    /** Validates the field type and operand. */
    public Contains {
      Objects.requireNonNull(field, "field");
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException(
            "filter 'contains' on '" + field + "' needs a non-empty string");
      }
      if (field.type() != FieldType.STRING
          && field.type() != FieldType.STRING_LIST
          && field.type() != FieldType.METADATA) {
        throw new IllegalArgumentException(
            "filter 'contains' works on string, list and metadata fields, not on '" + field + "'");
      }
    }

    @Override
    public boolean test(Memory m) {
      boolean list = isListValued(m);
      for (Object actual : field.valuesOf(m)) {
        if (actual instanceof String s && (list ? s.equals(value) : s.contains(value))) {
          return true;
        }
      }
      return false;
    }

    private boolean isListValued(Memory m) {
      if (field.type() == FieldType.STRING_LIST) {
        return true;
      }
      return field.isMetadata() && m.metadata().get(field.metadataKey()) instanceof List<?>;
    }
  }

  /**
   * The field has a value.
   *
   * @param field the field
   */
  record Exists(FilterField field) implements Filter {
    /** Validates. */
    public Exists {
      Objects.requireNonNull(field, "field");
    }

    @Override
    public boolean test(Memory m) {
      return !field.valuesOf(m).isEmpty();
    }
  }

  /**
   * Conjunction.
   *
   * @param filters at least one filter
   */
  record And(List<Filter> filters) implements Filter {
    /** Validates. */
    public And {
      filters = operands("and", filters);
    }

    @Override
    public boolean test(Memory m) {
      for (Filter f : filters) {
        if (!f.test(m)) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Disjunction.
   *
   * @param filters at least one filter
   */
  record Or(List<Filter> filters) implements Filter {
    /** Validates. */
    public Or {
      filters = operands("or", filters);
    }

    @Override
    public boolean test(Memory m) {
      for (Filter f : filters) {
        if (f.test(m)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Negation.
   *
   * @param filter the negated filter
   */
  record Not(Filter filter) implements Filter {
    /** Validates. */
    public Not {
      Objects.requireNonNull(filter, "filter 'not' needs an operand");
      checkDepth(1 + filter.depth());
    }

    @Override
    public boolean test(Memory m) {
      return !filter.test(m);
    }
  }

  /** Matches everything. */
  enum MatchAll implements Filter {
    /** The only instance. */
    INSTANCE;

    @Override
    public boolean test(Memory m) {
      return true;
    }
  }

  private static List<Filter> operands(String op, List<Filter> filters) {
    if (filters == null || filters.isEmpty()) {
      throw new IllegalArgumentException("filter '" + op + "' needs at least one operand");
    }
    for (Filter f : filters) {
      if (f == null) {
        throw new IllegalArgumentException("filter '" + op + "' must not have null operands");
      }
    }
    checkDepth(1 + maxDepth(filters));
    return List.copyOf(filters);
  }

  private static int maxDepth(List<Filter> filters) {
    int max = 0;
    for (Filter f : filters) {
      max = Math.max(max, f.depth());
    }
    return max;
  }

  private static void checkDepth(int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "filter nests more than " + MAX_DEPTH + " levels of and / or / not");
    }
  }
}
