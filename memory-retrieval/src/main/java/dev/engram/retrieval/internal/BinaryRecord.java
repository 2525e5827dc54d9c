package dev.engram.retrieval.internal;

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
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.store.ByteArrayDataInput;
import org.apache.lucene.store.ByteBuffersDataOutput;

/**
 * A memory's record in the index as compact binary: a search decodes every candidate's record (two
 * lists of 100), and tokenising JSON was most of that. The first byte is the format ({@link
 * #FORMAT}); a record that starts with {@code '{'} is the JSON that stores written before this
 * form hold, which {@link Records} still reads. Strings are UTF-8 with their length, instants
 * seconds and nanoseconds, doubles their exact bits, so a record decodes to the equal memory.
 */
final class BinaryRecord {
  /** The form's first byte; never {@code '{'}, which starts a JSON record. */
  static final byte FORMAT = 1;

  private static final int USER = 1;
  private static final int AGENT = 1 << 1;
  private static final int SESSION = 1 << 2;
  private static final int VALID_TO = 1 << 3;
  private static final int TURN = 1 << 4;
  private static final int TURN_SESSION = 1 << 5;
  private static final int TURN_SPEAKER = 1 << 6;
  private static final int CONTEXT = 1 << 7;

  private static final byte STRING = 0;
  private static final byte TRUE = 1;
  private static final byte FALSE = 2;
  private static final byte LONG = 3;
  private static final byte DOUBLE = 4;
  private static final byte STRINGS = 5;

  private BinaryRecord() {}

  /** Whether the record at {@code bytes[offset]} is in this form (not JSON). */
  static boolean isBinary(byte[] bytes, int offset, int length) {
    return length > 0 && bytes[offset] == FORMAT;
  }

  /** The record of a memory. */
  static byte[] encode(Memory m) {
    ByteBuffersDataOutput out = new ByteBuffersDataOutput();
    try {
      out.writeByte(FORMAT);
      Scope s = m.scope();
      Turn t = m.turn();
      int flags =
          (s.userId() != null ? USER : 0)
              | (s.agentId() != null ? AGENT : 0)
              | (s.sessionId() != null ? SESSION : 0)
              | (m.validTo() != null ? VALID_TO : 0)
              | (t != null ? TURN : 0)
              | (t != null && t.session() != null ? TURN_SESSION : 0)
              | (t != null && t.speaker() != null ? TURN_SPEAKER : 0)
              | (m.context() != null ? CONTEXT : 0);
      out.writeVInt(flags);
      out.writeString(m.id().value());
      out.writeString(m.text());
      if (s.userId() != null) {
        out.writeString(s.userId());
      }
      if (s.agentId() != null) {
        out.writeString(s.agentId());
      }
      if (s.sessionId() != null) {
        out.writeString(s.sessionId());
      }
      out.writeString(m.tier().name());
      out.writeString(m.kind().name());
      out.writeString(m.status().name());
      out.writeLong(Double.doubleToRawLongBits(m.importance()));
      out.writeLong(Double.doubleToRawLongBits(m.strength()));
      out.writeZLong(m.accessCount());
      instant(out, m.createdAt());
      instant(out, m.updatedAt());
      instant(out, m.observedAt());
      instant(out, m.lastAccessedAt());
      instant(out, m.validFrom());
      if (m.validTo() != null) {
        instant(out, m.validTo());
      }
      out.writeVInt(m.metadata().size());
      for (Map.Entry<String, Object> e : m.metadata().entrySet()) {
        out.writeString(e.getKey());
        value(out, e.getValue());
      }
      strings(out, m.keywords());
      strings(out, m.tags());
      if (m.context() != null) {
        out.writeString(m.context());
      }
      out.writeVInt(m.links().size());
      for (Link l : m.links()) {
        out.writeString(l.target().value());
        out.writeString(l.relation());
      }
      strings(out, m.sources());
      if (t != null) {
        if (t.session() != null) {
          out.writeString(t.session());
        }
        out.writeZLong(t.number());
        if (t.speaker() != null) {
          out.writeString(t.speaker());
        }
        out.writeString(t.role().name());
      }
      out.writeZLong(m.version());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: never
    }
    return out.toArrayCopy();
  }

  /**
   * The memory of a record in this form.
   *
   * @throws IllegalArgumentException if the bytes are not such a record
   */
  static Memory decode(byte[] bytes, int offset, int length) {
    ByteArrayDataInput in = new ByteArrayDataInput(bytes, offset, length);
    try {
      if (in.readByte() != FORMAT) {
        throw new IllegalArgumentException("not a binary memory record");
      }
      int flags = in.readVInt();
      String id = in.readString();
      String text = in.readString();
      String user = (flags & USER) != 0 ? in.readString() : null;
      String agent = (flags & AGENT) != 0 ? in.readString() : null;
      String session = (flags & SESSION) != 0 ? in.readString() : null;
      Tier tier = Tier.valueOf(in.readString());
      Kind kind = Kind.valueOf(in.readString());
      Status status = Status.valueOf(in.readString());
      double importance = Double.longBitsToDouble(in.readLong());
      double strength = Double.longBitsToDouble(in.readLong());
      long accessCount = in.readZLong();
      Instant createdAt = instant(in);
      Instant updatedAt = instant(in);
      Instant observedAt = instant(in);
      Instant lastAccessedAt = instant(in);
      Instant validFrom = instant(in);
      Instant validTo = (flags & VALID_TO) != 0 ? instant(in) : null;
      int entries = in.readVInt();
      Map<String, Object> metadata = new LinkedHashMap<>();
      for (int i = 0; i < entries; i++) {
        String key = in.readString();
        metadata.put(key, value(in));
      }
      List<String> keywords = strings(in);
      List<String> tags = strings(in);
      String context = (flags & CONTEXT) != 0 ? in.readString() : null;
      int n = in.readVInt();
      List<Link> links = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        links.add(new Link(new MemoryId(in.readString()), in.readString()));
      }
      List<String> sources = strings(in);
      Turn turn = null;
      if ((flags & TURN) != 0) {
        String turnSession = (flags & TURN_SESSION) != 0 ? in.readString() : null;
        long number = in.readZLong();
        String speaker = (flags & TURN_SPEAKER) != 0 ? in.readString() : null;
        turn = new Turn(turnSession, number, speaker, Role.valueOf(in.readString()));
      }
      long version = in.readZLong();
      if (in.getPosition() != offset + length) {
        throw new IllegalArgumentException("a binary memory record with trailing bytes");
      }
      return new Memory(
          new MemoryId(id),
          text,
          new Scope(user, agent, session),
          tier,
          kind,
          status,
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
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("a truncated or malformed binary memory record", e);
    }
  }

  private static void instant(ByteBuffersDataOutput out, Instant t) throws IOException {
    out.writeZLong(t.getEpochSecond());
    out.writeVInt(t.getNano());
  }

  private static Instant instant(ByteArrayDataInput in) throws IOException {
    long seconds = in.readZLong();
    return Instant.ofEpochSecond(seconds, in.readVInt());
  }

  private static void strings(ByteBuffersDataOutput out, List<String> list) throws IOException {
    out.writeVInt(list.size());
    for (String s : list) {
      out.writeString(s);
    }
  }

  private static List<String> strings(ByteArrayDataInput in) throws IOException {
    int n = in.readVInt();
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(in.readString());
    }
    return out;
  }

  private static void value(ByteBuffersDataOutput out, Object v) throws IOException {
    switch (v) {
      case String s -> {
        out.writeByte(STRING);
        out.writeString(s);
      }
      case Boolean b -> out.writeByte(b ? TRUE : FALSE);
      case Long l -> {
        out.writeByte(LONG);
        out.writeZLong(l);
      }
      case Double d -> {
        out.writeByte(DOUBLE);
        out.writeLong(Double.doubleToRawLongBits(d));
      }
      case List<?> list -> {
        out.writeByte(STRINGS);
        out.writeVInt(list.size());
        for (Object item : list) {
          out.writeString((String) item);
        }
      }
      default -> throw new IllegalArgumentException("unexpected metadata value " + v);
    }
  }

  private static Object value(ByteArrayDataInput in) throws IOException {
    byte type = in.readByte();
    return switch (type) {
      case STRING -> in.readString();
      case TRUE -> Boolean.TRUE;
      case FALSE -> Boolean.FALSE;
      case LONG -> in.readZLong();
      case DOUBLE -> Double.longBitsToDouble(in.readLong());
      case STRINGS -> strings(in);
      default -> throw new IllegalArgumentException("unknown metadata value type " + type);
    };
  }
}
