package dev.engram.memory;

/** Small string helpers for error messages. */
final class Text {
  private Text() {}

  /** Shortens a user-supplied value so that an error message stays readable. */
  static String abbreviate(String value) {
    return value.length() <= 40 ? value : value.substring(0, 37) + "...";
  }
}
