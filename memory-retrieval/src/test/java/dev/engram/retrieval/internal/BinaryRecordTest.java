package dev.engram.retrieval.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.backend.MemoryCodec;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Role;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.memory.Turn;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The binary record decodes to the memory encoded, and gives way to JSON where it could not. */
class BinaryRecordTest {
  private static Memory random(Random r) {
    Instant t = Instant.ofEpochSecond(r.nextLong(-9_000_000_000L, 9_000_000_000L));
    if (r.nextBoolean()) {
      t = t.plusNanos(r.nextInt(1_000_000_000));
    } else if (r.nextBoolean()) {
      t = t.plusMillis(r.nextInt(1000));
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      metadata.put(
          "k" + r.nextInt(100),
          switch (r.nextInt(5)) {
            case 0 -> "s" + r.nextInt();
            case 1 -> r.nextBoolean();
            case 2 -> r.nextLong();
            case 3 -> r.nextDouble() * 1e6;
            default -> List.of("a", "b" + r.nextInt(9));
          });
    }
    List<Link> links = new ArrayList<>();
    for (int i = r.nextInt(3); i > 0; i--) {
      links.add(new Link(MemoryId.random(), r.nextBoolean() ? Link.RELATED : "derived_from"));
    }
    Scope scope =
        r.nextBoolean()
            ? Scope.user("u" + r.nextInt(10))
            : Scope.of("a.b@c.d", "bot-" + r.nextInt(3), r.nextBoolean() ? "s:1" : null);
    Memory.Builder b =
        Memory.builder()
            .id(MemoryId.random())
            .text("text \"" + r.nextInt() + "\" ü 🐝\n")
            .scope(scope)
            .tier(Tier.values()[r.nextInt(Tier.values().length)])
            .kind(Kind.values()[r.nextInt(Kind.values().length)])
            .status(Status.values()[r.nextInt(Status.values().length)])
            .importance(r.nextInt(3) == 0 ? 1 : r.nextDouble())
            .strength(1 + r.nextDouble() * 100)
            .accessCount(r.nextInt(1000))
            .createdAt(t, t.minusSeconds(r.nextInt(100_000)))
            .updatedAt(t.plusSeconds(r.nextInt(100)))
            .metadata(metadata)
            .keywords(r.nextBoolean() ? List.of() : List.of("k1", "k2"))
            .tags(r.nextBoolean() ? List.of() : List.of("t"))
            .context(r.nextBoolean() ? "" : "ctx " + r.nextInt())
            .links(links)
            .sources(r.nextBoolean() ? List.of() : List.of("D1:3"))
            .version(1 + r.nextInt(50));
    if (r.nextBoolean()) {
      b.validTo(t.plusSeconds(1 + r.nextInt(1000)));
    }
    if (r.nextBoolean()) {
      b.turn(
          new Turn(
              scope.sessionId(),
              1 + r.nextInt(500),
              r.nextBoolean() ? "Rosa" : null,
              Role.values()[r.nextInt(Role.values().length)]));
    }
    return b.build();
  }

  @Test
  void randomMemories_decodeToTheMemoryEncoded() {
    long seed = new Random().nextLong();
    System.out.println("BinaryRecordTest seed " + seed);
    Random r = new Random(seed);
    for (int i = 0; i < 2_000; i++) {
      Memory m = random(r);
      byte[] record = Records.encode(m);
      assertTrue(BinaryRecord.isBinary(record, 0, record.length), "seed " + seed);
      assertEquals(m, BinaryRecord.decode(record, 0, record.length), "seed " + seed);
      // Within a larger array, as doc values hand it over.
      byte[] padded = new byte[record.length + 5];
      System.arraycopy(record, 0, padded, 3, record.length);
      assertEquals(m, BinaryRecord.decode(padded, 3, record.length), "seed " + seed);
    }
  }

  @Test
  void aStringUtf8CannotCarry_keepsTheRecordAsJson() {
    // A lone surrogate in a speaker's name: Lucene's UTF-8 encoder would replace it.
    Memory m =
        Memory.builder()
            .id(MemoryId.random())
            .text("hello")
            .scope(Scope.of("alice", null, "s1"))
            .createdAt(Instant.parse("2026-12-06T00:00:00Z"), Instant.parse("2026-12-06T00:00:00Z"))
            .turn(new Turn("s1", 1, "Ro\uD800sa", Role.USER))
            .build();
    byte[] record = Records.encode(m);
    assertFalse(BinaryRecord.isBinary(record, 0, record.length));
    // The record is then exactly what stores held before the binary form, read as it was then.
    assertArrayEquals(MemoryCodec.toJson(m).getBytes(StandardCharsets.UTF_8), record);
  }

  @Test
  void aTruncatedRecord_isRefusedNotMisread() {
    Memory m = random(new Random(11));
    byte[] record = BinaryRecord.encode(m);
    for (int cut : new int[] {1, record.length / 2, record.length - 1}) {
      byte[] part = Arrays.copyOf(record, cut);
      assertThrows(IllegalArgumentException.class, () -> BinaryRecord.decode(part, 0, cut));
    }
  }
}
