package dev.engram.filter;

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
