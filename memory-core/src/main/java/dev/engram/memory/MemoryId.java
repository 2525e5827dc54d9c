package dev.engram.memory;

import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The stable identity of a memory. Ids are opaque strings chosen by the store (random UUIDs);
 * callers may parse ids they received earlier with {@link #of(String)}.
 *
 * @param value the id text, 1 to 64 characters of letters, digits, {@code -} and {@code _}
 */
public record MemoryId(String value) implements Comparable<MemoryId> {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** Validates the id text. */
  public MemoryId {
    Objects.requireNonNull(value, "id must not be null");
    if (!VALID.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "id must be 1 to 64 letters, digits, '-' or '_', got '" + Text.abbreviate(value) + "'");
    }
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
