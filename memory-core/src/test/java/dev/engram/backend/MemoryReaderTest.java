package dev.engram.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Role;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.memory.Turn;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The streaming reader gives what the tree reader gives, or leaves the record to it. */
class MemoryReaderTest {
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
  void randomRecords_decodeAsTheTreeDecodesThem() {
    long seed = new Random().nextLong();
    System.out.println("MemoryReaderTest seed " + seed);
    Random r = new Random(seed);
    for (int i = 0; i < 2_000; i++) {
      Memory m = random(r);
      String json = MemoryCodec.toJson(m);
      Memory fast = MemoryReader.read(json);
      assertNotNull(fast, json);
      assertEquals(MemoryCodec.memoryFromTree(MemoryCodec.toTree(m)), fast, json);
      assertEquals(m, fast, "seed " + seed);
      byte[] utf8 = ("xx" + json).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(m, MemoryCodec.memoryFromJson(utf8, 2, utf8.length - 2), "seed " + seed);
    }
  }

  @Test
  void recordsInAnotherForm_areLeftToTheTreeReader_whichStillDecidesTheResult() {
    Memory m = random(new Random(7));
    ObjectNode tree = MemoryCodec.toTree(m);
    // Values the tree reader converts: a number as text, a float count, a duplicated field.
    ObjectNode numberAsText = tree.deepCopy().put("importance", Double.toString(m.importance()));
    ObjectNode floatCount = tree.deepCopy().put("accessCount", (double) m.accessCount());
    for (ObjectNode variant : List.of(numberAsText, floatCount)) {
      String json = variant.toString();
      assertNull(MemoryReader.read(json), json);
      assertEquals(m, MemoryCodec.memoryFromJson(json));
    }
    // Unknown fields and explicit nulls for optional ones are read directly.
    ObjectNode extra = tree.deepCopy();
    extra.putObject("future").put("x", 1).putArray("y").add(2);
    extra.putNull("validTo");
    extra.putNull("turn");
    Memory withoutOptional =
        MemoryCodec.memoryFromTree(extra); // what the tree makes of it: no validTo, no turn
    assertEquals(withoutOptional, MemoryReader.read(extra.toString()));
    // Trailing content and a missing field: the tree reader's verdict.
    assertNull(MemoryReader.read(tree.toString() + " {}"));
    ObjectNode missing = tree.deepCopy();
    missing.remove("version");
    assertNull(MemoryReader.read(missing.toString()));
  }

  @Test
  void instants_parseAsInstantParseDoes() {
    long seed = new Random().nextLong();
    System.out.println("MemoryReaderTest instants seed " + seed);
    Random r = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      Instant t =
          Instant.ofEpochSecond(
              r.nextLong(-62_167_219_200L, 253_402_300_799L + 1), r.nextInt(1_000_000_000));
      if (r.nextBoolean()) {
        t = t.minusNanos(t.getNano() % 1_000_000);
      }
      String s = t.toString();
      assertEquals(Instant.parse(s), MemoryReader.instant(s), s);
      // Fractions of any length from 1 to 9 digits.
      String cut = s.length() > 21 ? s.substring(0, 21 + r.nextInt(s.length() - 21)) + "Z" : s;
      assertEquals(Instant.parse(cut), MemoryReader.instant(cut), cut);
    }
    for (String s :
        List.of(
            "+10000-01-01T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2026-12-05T18:30Z",
            "2026-12-05T18:30:00+01:00",
            "2026-12-05T24:00:00Z",
            "2026-12-05T23:59:60Z",
            "2026-12-05T18:30:00.Z")) {
      assertEquals(parseOrNull(s), fastOrNull(s), s);
    }
    for (String bad :
        List.of(
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-05T25:00:00Z",
            "2026-12-05T18:30:00.1234567890Z",
            "2026-12-0xT18:30:00Z")) {
      assertNull(parseOrNull(bad), bad);
      assertNull(fastOrNull(bad), bad);
    }
  }

  private static Instant parseOrNull(String s) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Instant fastOrNull(String s) {
    try {
      return MemoryReader.instant(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
