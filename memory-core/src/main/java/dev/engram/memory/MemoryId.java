package dev.engram.memory;

import java.util.Objects;
import java.util.UUID;

/**
 * The stable identity of a memory. Ids are opaque strings chosen by the store (random UUIDs);
 * callers may parse ids they received earlier with {@link #of(String)}.
 *
 * @param value the id text, 1 to 64 characters of letters, digits, {@code -} and {@code _}
 */
public record MemoryId(String value) implements Comparable<MemoryId> {
  /** Validates the id text. */
  public MemoryId {
    Objects.requireNonNull(value, "id must not be null");
    if (!valid(value)) {
      throw new IllegalArgumentException(
          "id must be 1 to 64 letters, digits, '-' or '_', got '" + Text.abbreviate(value) + "'");
    }
  }

  /** {@code [A-Za-z0-9_-]{1,64}}. */
  private static boolean valid(String value) {
    int n = value.length();
    if (n < 1 || n > 64) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (!Text.asciiLetterOrDigit(c) && c != '_' && c != '-') {
        return false;
      }
    }
    return true;
  }

  /** Parses an id received from the store earlier. */
  public static MemoryId of(String value) {
    return new MemoryId(value);
  }

  /** A new random id. */
  public static MemoryId random() {
    return new MemoryId(UUID.randomUUID().toString());
  }

  @Override
  public int compareTo(MemoryId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
