package dev.engram.memory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rules for caller-supplied metadata: keys are identifiers, values are strings, booleans, longs,
 * finite doubles or lists of strings, within the limits below. Every backend can index exactly
 * these, so filters over metadata behave the same everywhere.
 */
public final class Metadata {
  /** Most entries a memory may carry. */
  public static final int MAX_ENTRIES = 64;

  /** Longest string value, in characters. */
  public static final int MAX_STRING_LENGTH = 4096;

  /** Most elements of a list value. */
  public static final int MAX_LIST_SIZE = 256;

  private Metadata() {}

  /**
   * Validates and normalises metadata: {@code Integer}, {@code Short} and {@code Byte} become
   * {@code Long}, {@code Float} becomes {@code Double}; the result is an immutable map sorted by
   * key.
   *
   * @throws IllegalArgumentException naming the offending key when a key or value is not allowed
   */
  public static Map<String, Object> normalize(Map<String, ?> metadata) {
    if (metadata == null || metadata.isEmpty()) {
      return Map.of();
    }
    if (metadata.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          "metadata has " + metadata.size() + " entries; at most " + MAX_ENTRIES + " are allowed");
    }
    TreeMap<String, Object> out = new TreeMap<>();
    for (Map.Entry<String, ?> e : metadata.entrySet()) {
      String key = e.getKey();
      if (key == null || !validKey(key)) {
        throw new IllegalArgumentException(
            "metadata key '"
                + (key == null ? "null" : Text.abbreviate(key))
                + "' must be 1 to 64 letters, digits, '_' or '-', starting with a letter or '_'");
      }
      out.put(key, normalizeValue("metadata." + key, e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  /** {@code [A-Za-z_][A-Za-z0-9_-]{0,63}}. */
  private static boolean validKey(String key) {
    int n = key.length();
    if (n < 1 || n > 64) {
      return false;
    }
    char first = key.charAt(0);
    if (first == '-' || (first >= '0' && first <= '9')) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      if (!Text.asciiLetterOrDigit(c) && c != '_' && c != '-') {
        return false;
      }
    }
    return true;
  }

  /**
   * Normalises one value the same way as {@link #normalize(Map)}; used for filter operands too.
   *
   * @param field the name used in the error message
   */
  public static Object normalizeValue(String field, Object value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    if (value instanceof String s) {
      if (s.length() > MAX_STRING_LENGTH) {
        throw new IllegalArgumentException(
            field
                + " is "
                + s.length()
                + " characters; at most "
                + MAX_STRING_LENGTH
                + " are allowed");
      }
      return Memory.checkWellFormed(field, s);
    }
    if (value instanceof Boolean || value instanceof Long) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException(field + " must be a finite number, got " + d);
      }
      return d;
    }
    if (value instanceof List<?> list) {
      if (list.size() > MAX_LIST_SIZE) {
        throw new IllegalArgumentException(
            field + " has " + list.size() + " entries; at most " + MAX_LIST_SIZE + " are allowed");
      }
      List<String> strings = new ArrayList<>(list.size());
      for (Object item : list) {
        if (!(item instanceof String s)) {
          throw new IllegalArgumentException(
              field + " is a list, so every element must be a string; found " + describe(item));
        }
        strings.add((String) normalizeValue(field + "[]", s));
      }
      return List.copyOf(strings);
    }
    throw new IllegalArgumentException(
        field
            + " must be a string, boolean, long, double or list of strings; found "
            + describe(value));
  }

  private static String describe(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName();
  }
}
