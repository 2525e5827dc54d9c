package dev.engram.internal;

import dev.engram.memory.MemoryId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/** Opaque page cursors: the position of the last item, base64url-encoded. */
final class Cursors {
  private static final String MEMORY = "m1|";
  private static final String HISTORY = "h1|";

  private Cursors() {}

  /** A resume point in (createdAt, id) order. */
  record MemoryPosition(Instant createdAt, MemoryId id) {}

  static String memory(Instant createdAt, MemoryId id) {
    return encode(
        MEMORY + createdAt.getEpochSecond() + "|" + createdAt.getNano() + "|" + id.value());
  }

  static MemoryPosition memory(String cursor) {
    String raw = decode(cursor);
    String[] parts = raw.split("\\|", -1);
    if (!raw.startsWith(MEMORY) || parts.length != 4) {
      throw invalid();
    }
    try {
      return new MemoryPosition(
          Instant.ofEpochSecond(Long.parseLong(parts[1]), Long.parseLong(parts[2])),
          MemoryId.of(parts[3]));
    } catch (RuntimeException e) {
      throw invalid();
    }
  }

  static String history(long sequence) {
    return encode(HISTORY + sequence);
  }

  static long history(String cursor) {
    String raw = decode(cursor);
    if (!raw.startsWith(HISTORY)) {
      throw invalid();
    }
    try {
      long seq = Long.parseLong(raw.substring(HISTORY.length()));
      if (seq < 0) {
        throw invalid();
      }
      return seq;
    } catch (NumberFormatException e) {
      throw invalid();
    }
  }

  private static String encode(String raw) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String cursor) {
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid();
    }
  }

  private static IllegalArgumentException invalid() {
    return new IllegalArgumentException(
        "page.cursor is not a cursor returned by a previous page of this listing");
  }
}
