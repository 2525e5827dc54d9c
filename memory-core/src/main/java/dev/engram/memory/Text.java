package dev.engram.memory;

/**
 * Small string helpers for validation and error messages. Ids are checked by loops rather than
 * regular expressions: every record read from a store validates its ids, on the search path.
 */
final class Text {
  private Text() {}

  /** Whether {@code c} is an ASCII letter or digit (what the ids' character classes allow). */
  static boolean asciiLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /** Shortens a user-supplied value so that an error message stays readable. */
  static String abbreviate(String value) {
    return value.length() <= 40 ? value : value.substring(0, 37) + "...";
  }
}
