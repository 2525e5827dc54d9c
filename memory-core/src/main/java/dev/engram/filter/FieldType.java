package dev.engram.filter;

/** The value type of a filterable field, which decides the operators and operands it accepts. */
public enum FieldType {
  /** A single string; ordered by Unicode code point. */
  STRING,
  /** A list of strings; a predicate holds when any element satisfies it. */
  STRING_LIST,
  /** A number; longs and doubles compare as doubles. */
  NUMBER,
  /** An instant; operands may be {@link java.time.Instant} or ISO-8601 strings. */
  INSTANT,
  /** One of an enum's constants (tier, kind, status); only equality operators. */
  ENUM,
  /**
   * A caller-supplied metadata value: string, boolean, number or list of strings, decided per
   * memory. A predicate whose operand has another type than the stored value does not hold; numbers
   * (longs and doubles) compare by exact value.
   */
  METADATA
}
