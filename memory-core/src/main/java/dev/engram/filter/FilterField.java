package dev.engram.filter;

import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.Role;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A field that filters can test: one of the built-in memory fields, or {@code metadata.<key>}.
 *
 * @param name the name used in filters, e.g. {@code importance} or {@code metadata.topic}
 * @param type the value type
 */
public record FilterField(String name, FieldType type) {
  private static final String METADATA_PREFIX = "metadata.";

  /** 2^53: every long up to this magnitude is exactly a double. */
  private static final long EXACT_DOUBLE = 1L << 53;

  private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");

  private static final Map<String, FieldType> BUILT_IN =
      Map.ofEntries(
          Map.entry("id", FieldType.STRING),
          Map.entry("text", FieldType.STRING),
          Map.entry("context", FieldType.STRING),
          Map.entry("userId", FieldType.STRING),
          Map.entry("agentId", FieldType.STRING),
          Map.entry("sessionId", FieldType.STRING),
          Map.entry("tier", FieldType.ENUM),
          Map.entry("kind", FieldType.ENUM),
          Map.entry("status", FieldType.ENUM),
          Map.entry("importance", FieldType.NUMBER),
          Map.entry("strength", FieldType.NUMBER),
          Map.entry("accessCount", FieldType.NUMBER),
          Map.entry("createdAt", FieldType.INSTANT),
          Map.entry("updatedAt", FieldType.INSTANT),
          Map.entry("observedAt", FieldType.INSTANT),
          Map.entry("lastAccessedAt", FieldType.INSTANT),
          Map.entry("validFrom", FieldType.INSTANT),
          Map.entry("validTo", FieldType.INSTANT),
          Map.entry("keywords", FieldType.STRING_LIST),
          Map.entry("tags", FieldType.STRING_LIST),
          Map.entry("sources", FieldType.STRING_LIST),
          Map.entry("turn", FieldType.NUMBER),
          Map.entry("speaker", FieldType.STRING),
          Map.entry("role", FieldType.ENUM));

  /**
   * Validates that the name is a known field and the type is that field's type.
   *
   * @throws IllegalArgumentException naming the field if it is neither a built-in field nor {@code
   *     metadata.<key>}, or has another type
   */
  public FilterField {
    Objects.requireNonNull(type, "filter field type must not be null");
    FieldType expected = typeOf(name);
    if (type != expected) {
      throw new IllegalArgumentException(
          "filter field '" + name + "' has type " + expected + ", not " + type);
    }
  }

  /**
   * Resolves a field name.
   *
   * @throws IllegalArgumentException if the name is neither a built-in field nor {@code
   *     metadata.<key>}
   */
  public static FilterField of(String name) {
    return new FilterField(name, typeOf(name));
  }

  private static FieldType typeOf(String name) {
    if (name == null) {
      throw new IllegalArgumentException("filter field must not be null");
    }
    FieldType builtIn = BUILT_IN.get(name);
    if (builtIn != null) {
      return builtIn;
    }
    if (name.startsWith(METADATA_PREFIX)
        && METADATA_KEY.matcher(name.substring(METADATA_PREFIX.length())).matches()) {
      return FieldType.METADATA;
    }
    throw new IllegalArgumentException(
        "unknown filter field '"
            + name
            + "'; use one of "
            + new TreeSet<>(BUILT_IN.keySet())
            + " or metadata.<key>");
  }

  /** The names of the built-in fields. */
  public static Set<String> builtInNames() {
    return BUILT_IN.keySet();
  }

  /** Whether this is a {@code metadata.<key>} field. */
  public boolean isMetadata() {
    return type == FieldType.METADATA;
  }

  /** The metadata key of a {@code metadata.<key>} field. */
  public String metadataKey() {
    if (!isMetadata()) {
      throw new IllegalStateException(name + " is not a metadata field");
    }
    return name.substring(METADATA_PREFIX.length());
  }

  /**
   * The values this field has on a memory, normalised for comparison: strings, {@code Double}s,
   * {@code Long}s (metadata longs, kept exact), {@code Boolean}s, {@code Instant}s or enum constant
   * names. Empty when the field is absent; a list field yields its elements.
   */
  public List<Object> valuesOf(Memory m) {
    return switch (name) {
      case "id" -> List.of(m.id().value());
      case "text" -> List.of(m.text());
      case "context" -> m.context().isEmpty() ? List.of() : List.of(m.context());
      case "userId" -> optional(m.scope().userId());
      case "agentId" -> optional(m.scope().agentId());
      case "sessionId" -> optional(m.scope().sessionId());
      case "tier" -> List.of(m.tier().name());
      case "kind" -> List.of(m.kind().name());
      case "status" -> List.of(m.status().name());
      case "importance" -> List.of(m.importance());
      case "strength" -> List.of(m.strength());
      case "accessCount" -> List.of((double) m.accessCount());
      case "createdAt" -> List.of(m.createdAt());
      case "updatedAt" -> List.of(m.updatedAt());
      case "observedAt" -> List.of(m.observedAt());
      case "lastAccessedAt" -> List.of(m.lastAccessedAt());
      case "validFrom" -> List.of(m.validFrom());
      case "validTo" -> optional(m.validTo());
      case "keywords" -> List.copyOf(m.keywords());
      case "tags" -> List.copyOf(m.tags());
      case "sources" -> List.copyOf(m.sources());
      case "turn" -> m.turn() == null ? List.of() : List.of((double) m.turn().number());
      case "speaker" -> m.turn() == null ? List.of() : optional(m.turn().speaker());
      case "role" -> m.turn() == null ? List.of() : List.of(m.turn().role().name());
      default -> metadataValues(m.metadata().get(metadataKey()));
    };
  }

  private static List<Object> optional(Object value) {
    return value == null ? List.of() : List.of(value);
  }

  private static List<Object> metadataValues(Object value) {
    if (value == null) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      return new ArrayList<>(list);
    }
    return List.of(value);
  }

  /**
   * Validates and normalises an operand for this field: numbers become {@code Double}, except an
   * integral metadata operand too large for a double to hold exactly (beyond ±2^53), which stays a
   * {@code Long} so that it compares exactly; instants stay {@code Instant} (ISO-8601 strings are
   * parsed); enum operands become constant names.
   *
   * @param rangeOperator whether the operand is for gt / gte / lt / lte, which only numbers,
   *     instants and strings support
   * @throws IllegalArgumentException naming this field when the operand does not fit
   */
  public Object normalizeOperand(Object operand, boolean rangeOperator) {
    if (operand == null) {
      throw new IllegalArgumentException(
          "filter on '" + name + "' needs a value; use exists / not(exists) to test for absence");
    }
    return switch (type) {
      case STRING, STRING_LIST -> {
        if (!(operand instanceof String s)) {
          throw mismatch("a string", operand);
        }
        yield s;
      }
      case NUMBER -> {
        if (!(operand instanceof Number n)) {
          throw mismatch("a number", operand);
        }
        yield finite(n.doubleValue());
      }
      case INSTANT -> {
        if (operand instanceof Instant i) {
          yield i;
        }
        if (operand instanceof String s) {
          try {
            yield Instant.parse(s);
          } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                "filter on '"
                    + name
                    + "' needs an ISO-8601 instant such as 2024-05-08T13:56:00Z, got '"
                    + s
                    + "'",
                e);
          }
        }
        throw mismatch("an Instant", operand);
      }
      case ENUM -> {
        if (rangeOperator) {
          throw new IllegalArgumentException(
              "filter on '" + name + "' supports eq, ne, in and nin only, not range operators");
        }
        yield enumName(operand);
      }
      case METADATA -> {
        if (operand instanceof Long
            || operand instanceof Integer
            || operand instanceof Short
            || operand instanceof Byte) {
          long l = ((Number) operand).longValue();
          yield Math.abs(l) <= EXACT_DOUBLE ? (Object) (double) l : (Object) l;
        }
        if (operand instanceof Number n) {
          yield finite(n.doubleValue());
        }
        if (operand instanceof Boolean b) {
          if (rangeOperator) {
            throw new IllegalArgumentException(
                "filter on '" + name + "': a boolean operand supports eq, ne, in and nin only");
          }
          yield b;
        }
        if (operand instanceof String s) {
          yield s;
        }
        if (operand instanceof Instant) {
          throw new IllegalArgumentException(
              "filter on '"
                  + name
                  + "': metadata holds no instants; store times as epoch-millisecond longs or ISO strings");
        }
        throw mismatch("a string, number or boolean", operand);
      }
    };
  }

  private double finite(double d) {
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException(
          "filter on '" + name + "' needs a finite number, got " + d);
    }
    return d;
  }

  private String enumName(Object operand) {
    String candidate;
    if (operand instanceof Enum<?> e) {
      candidate = e.name();
    } else if (operand instanceof String s) {
      candidate = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    } else {
      throw mismatch("a " + name + " name", operand);
    }
    List<String> allowed =
        switch (name) {
          case "tier" -> names(Tier.values());
          case "kind" -> names(Kind.values());
          case "role" -> names(Role.values());
          default -> names(Status.values());
        };
    if (!allowed.contains(candidate)) {
      throw new IllegalArgumentException(
          "filter on '" + name + "' needs one of " + allowed + ", got '" + operand + "'");
    }
    return candidate;
  }

  private static List<String> names(Enum<?>[] values) {
    List<String> out = new ArrayList<>(values.length);
    for (Enum<?> v : values) {
      out.add(v.name());
    }
    return out;
  }

  private IllegalArgumentException mismatch(String expected, Object operand) {
    return new IllegalArgumentException(
        "filter on '"
            + name
            + "' needs "
            + expected
            + ", got "
            + operand.getClass().getSimpleName()
            + " '"
            + operand
            + "'");
  }

  @Override
  public String toString() {
    return name;
  }
}
