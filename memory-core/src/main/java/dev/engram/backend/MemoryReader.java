package dev.engram.backend;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Role;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.memory.Turn;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a memory record in one pass over Jackson's streaming parser, without building a tree: a
 * search decodes every candidate's record, and tree decoding was half of its time. It reads the
 * form {@link MemoryCodec} writes; anything else (a missing field, a value of another type, a
 * malformed record) makes it give up by returning {@code null}, and the caller decodes the tree,
 * which reports the error or accepts what the tree reader accepts. So both readers give the same
 * memory for every record, and the same error.
 */
final class MemoryReader {
  private static final JsonFactory FACTORY = MemoryCodec.mapper().getFactory();

  /** Thrown to give up: the tree reader decides. */
  private static final class GiveUp extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final GiveUp INSTANCE = new GiveUp();

    private GiveUp() {
      super(null, null, false, false);
    }
  }

  private MemoryReader() {}

  /** The memory, or {@code null} when the tree reader has to decide. */
  static Memory read(String json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      return read(p);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The memory in these UTF-8 bytes, or {@code null} when the tree reader has to decide. */
  static Memory read(byte[] utf8, int offset, int length) {
    try (JsonParser p = FACTORY.createParser(utf8, offset, length)) {
      return read(p);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Memory read(JsonParser p) {
    try {
      Memory m = memory(p);
      return p.nextToken() == null ? m : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Memory memory(JsonParser p) throws IOException {
    expect(p.nextToken(), JsonToken.START_OBJECT);
    boolean format = false;
    String id = null;
    String text = null;
    String userId = null;
    String agentId = null;
    String sessionId = null;
    String tier = null;
    String kind = null;
    String status = null;
    double importance = Double.NaN;
    double strength = Double.NaN;
    long accessCount = 0;
    boolean hasAccessCount = false;
    Instant createdAt = null;
    Instant updatedAt = null;
    Instant observedAt = null;
    Instant lastAccessedAt = null;
    Instant validFrom = null;
    Instant validTo = null;
    Map<String, Object> metadata = null;
    List<String> keywords = null;
    List<String> tags = null;
    String context = null;
    List<Link> links = null;
    List<String> sources = null;
    Turn turn = null;
    long version = 0;
    boolean hasVersion = false;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.VALUE_NULL) {
        continue; // the tree reader treats null as absent
      }
      switch (field) {
        case "v" ->
            format = v == JsonToken.VALUE_NUMBER_INT && p.getIntValue() == MemoryCodec.FORMAT;
        case "id" -> id = string(p, v);
        case "text" -> text = string(p, v);
        case "userId" -> userId = string(p, v);
        case "agentId" -> agentId = string(p, v);
        case "sessionId" -> sessionId = string(p, v);
        case "tier" -> tier = string(p, v);
        case "kind" -> kind = string(p, v);
        case "status" -> status = string(p, v);
        case "importance" -> importance = number(p, v);
        case "strength" -> strength = number(p, v);
        case "accessCount" -> {
          accessCount = integer(p, v);
          hasAccessCount = true;
        }
        case "createdAt" -> createdAt = instant(string(p, v));
        case "updatedAt" -> updatedAt = instant(string(p, v));
        case "observedAt" -> observedAt = instant(string(p, v));
        case "lastAccessedAt" -> lastAccessedAt = instant(string(p, v));
        case "validFrom" -> validFrom = instant(string(p, v));
        case "validTo" -> validTo = instant(string(p, v));
        case "metadata" -> metadata = metadata(p, v);
        case "keywords" -> keywords = strings(p, v);
        case "tags" -> tags = strings(p, v);
        case "context" -> context = string(p, v);
        case "links" -> links = links(p, v);
        case "sources" -> sources = strings(p, v);
        case "turn" -> turn = turn(p, v);
        case "version" -> {
          version = integer(p, v);
          hasVersion = true;
        }
        default -> p.skipChildren();
      }
    }
    expect(t, JsonToken.END_OBJECT);
    if (!format
        || id == null
        || text == null
        || tier == null
        || kind == null
        || status == null
        || Double.isNaN(importance)
        || Double.isNaN(strength)
        || !hasAccessCount
        || createdAt == null
        || updatedAt == null
        || observedAt == null
        || lastAccessedAt == null
        || validFrom == null
        || metadata == null
        || keywords == null
        || tags == null
        || context == null
        || links == null
        || sources == null
        || !hasVersion) {
      throw GiveUp.INSTANCE;
    }
    return new Memory(
        new MemoryId(id),
        text,
        new Scope(userId, agentId, sessionId),
        Tier.valueOf(tier),
        Kind.valueOf(kind),
        Status.valueOf(status),
        importance,
        strength,
        accessCount,
        createdAt,
        updatedAt,
        observedAt,
        lastAccessedAt,
        validFrom,
        validTo,
        metadata,
        keywords,
        tags,
        context,
        links,
        sources,
        turn,
        version);
  }

  private static Turn turn(JsonParser p, JsonToken start) throws IOException {
    expect(start, JsonToken.START_OBJECT);
    String session = null;
    String speaker = null;
    String role = null;
    long number = 0;
    boolean hasNumber = false;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (field) {
        case "session" -> session = string(p, v);
        case "speaker" -> speaker = string(p, v);
        case "role" -> role = string(p, v);
        case "number" -> {
          number = integer(p, v);
          hasNumber = true;
        }
        default -> p.skipChildren();
      }
    }
    expect(t, JsonToken.END_OBJECT);
    if (role == null || !hasNumber) {
      throw GiveUp.INSTANCE;
    }
    return new Turn(session, number, speaker, Role.valueOf(role));
  }

  private static List<Link> links(JsonParser p, JsonToken start) throws IOException {
    expect(start, JsonToken.START_ARRAY);
    List<Link> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
      String target = null;
      String relation = null;
      JsonToken f;
      while ((f = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.VALUE_NULL) {
          continue;
        }
        switch (field) {
          case "target" -> target = string(p, v);
          case "relation" -> relation = string(p, v);
          default -> p.skipChildren();
        }
      }
      expect(f, JsonToken.END_OBJECT);
      if (target == null || relation == null) {
        throw GiveUp.INSTANCE;
      }
      out.add(new Link(new MemoryId(target), relation));
    }
    expect(t, JsonToken.END_ARRAY);
    return out;
  }

  private static Map<String, Object> metadata(JsonParser p, JsonToken start) throws IOException {
    expect(start, JsonToken.START_OBJECT);
    Map<String, Object> out = new LinkedHashMap<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      Object value =
          switch (v) {
            case VALUE_STRING -> p.getText();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NUMBER_INT -> integer(p, v);
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case START_ARRAY -> strings(p, v);
            default -> throw GiveUp.INSTANCE;
          };
      out.put(key, value);
    }
    expect(t, JsonToken.END_OBJECT);
    return out;
  }

  private static List<String> strings(JsonParser p, JsonToken start) throws IOException {
    expect(start, JsonToken.START_ARRAY);
    List<String> out = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
      out.add(p.getText());
    }
    expect(t, JsonToken.END_ARRAY);
    return out;
  }

  private static String string(JsonParser p, JsonToken v) throws IOException {
    expect(v, JsonToken.VALUE_STRING);
    return p.getText();
  }

  private static double number(JsonParser p, JsonToken v) throws IOException {
    if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) {
      throw GiveUp.INSTANCE;
    }
    return p.getDoubleValue();
  }

  /** A long that fits: anything bigger is the tree reader's to truncate or refuse. */
  private static long integer(JsonParser p, JsonToken v) throws IOException {
    expect(v, JsonToken.VALUE_NUMBER_INT);
    JsonParser.NumberType type = p.getNumberType();
    if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
      throw GiveUp.INSTANCE;
    }
    return p.getLongValue();
  }

  private static void expect(JsonToken actual, JsonToken expected) {
    if (actual != expected) {
      throw GiveUp.INSTANCE;
    }
  }

  /**
   * {@link Instant#parse} for the form {@link Instant#toString} writes for years 0000 to 9999
   * ({@code 2026-12-05T18:30:00Z}, {@code 2026-12-05T18:30:00.123Z}), read directly; any other form
   * (a leap second, an offset, a year beyond 9999) is parsed by {@link Instant#parse}.
   */
  static Instant instant(String s) {
    int n = s.length();
    if (n < 20
        || n > 30
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(n - 1) != 'Z') {
      return Instant.parse(s);
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 7);
    int day = digits(s, 8, 10);
    int hour = digits(s, 11, 13);
    int minute = digits(s, 14, 16);
    int second = digits(s, 17, 19);
    int nano = 0;
    if (n > 20) {
      int fraction = n - 21; // between '.' and 'Z'
      if (s.charAt(19) != '.' || fraction < 1 || fraction > 9) {
        return Instant.parse(s);
      }
      int f = digits(s, 20, n - 1);
      if (f < 0) {
        return Instant.parse(s);
      }
      for (int i = fraction; i < 9; i++) {
        f *= 10;
      }
      nano = f;
    } else if (s.charAt(19) != 'Z') {
      return Instant.parse(s);
    }
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || day > 31
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59
        || day > LocalDate.of(year, month, 1).lengthOfMonth()) {
      return Instant.parse(s);
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3_600L + minute * 60L + second, nano);
  }

  /** The decimal number in {@code s[from, to)}, or -1 if a character is not an ASCII digit. */
  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
