package dev.engram.filter;

import java.math.BigDecimal;
import java.time.Instant;

/** Comparison of normalised filter values. */
final class Values {
  private Values() {}

  /**
   * The sign of {@code actual - operand}, or {@code null} when the two types are not comparable.
   */
  static Integer compare(Object actual, Object operand) {
    if (actual instanceof Double a && operand instanceof Double b) {
      // == first so that -0.0 equals 0.0, as it does in index range queries.
      return a.doubleValue() == b.doubleValue() ? 0 : Double.compare(a, b);
    }
    // Longs compare exactly: as doubles, ids beyond 2^53 would collide.
    if (actual instanceof Long a && operand instanceof Long b) {
      return Long.compare(a, b);
    }
    if (actual instanceof Long a && operand instanceof Double b) {
      return exact(a, b);
    }
    if (actual instanceof Double a && operand instanceof Long b) {
      return -exact(b, a);
    }
    if (actual instanceof String a && operand instanceof String b) {
      return Integer.signum(compareCodePoints(a, b));
    }
    if (actual instanceof Instant a && operand instanceof Instant b) {
      return Integer.signum(a.compareTo(b));
    }
    if (actual instanceof Boolean a && operand instanceof Boolean b) {
      return a.equals(b) ? 0 : null;
    }
    return null;
  }

  /** The sign of {@code l - d}, exactly (both finite). */
  private static int exact(long l, double d) {
    return Integer.signum(new BigDecimal(l).compareTo(new BigDecimal(d)));
  }

  /** Unicode code point order, which is also UTF-8 byte order, so index backends agree. */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }
}
