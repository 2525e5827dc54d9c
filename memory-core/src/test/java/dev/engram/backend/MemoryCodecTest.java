package dev.engram.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryCodecTest {
  private static final Instant T = Instant.parse("2024-02-29T12:34:56.789123456Z");

  private static Memory full() {
    return Memory.builder()
        .id(MemoryId.random())
        .text("Ünïcödé text with \"quotes\" and \n newlines 🐝")
        .scope(Scope.of("u@x.com", "bot", "s-1"))
        .tier(Tier.LONG_TERM)
        .kind(Kind.PROCEDURAL)
        .status(Status.INVALIDATED)
        .importance(0.75)
        .strength(3.5)
        .accessCount(7)
        .createdAt(T, T.minusSeconds(3600))
        .updatedAt(T.plusSeconds(1))
        .validTo(T.plusSeconds(99))
        .metadata(Map.of("s", "v", "n", 42L, "d", 1.5, "b", true, "l", List.of("a", "b")))
        .keywords(List.of("k1", "k2"))
        .tags(List.of("t"))
        .context("ctx")
        .links(List.of(new Link(MemoryId.random(), "supersedes")))
        .sources(List.of("D1:3"))
        .version(4)
        .build();
  }

  @Test
  void memory_roundTripsExactly() {
    Memory m = full();
    assertEquals(m, MemoryCodec.memoryFromJson(MemoryCodec.toJson(m)));
  }

  @Test
  void event_roundTripsExactly() {
    Memory m = full();
    HistoryEvent e =
        new HistoryEvent(12, m.id(), m.scope(), EventType.UPDATE, m, m, "why", "pipeline", T);
    assertEquals(e, MemoryCodec.eventFromJson(MemoryCodec.toJson(e)));
    HistoryEvent purge =
        new HistoryEvent(13, m.id(), m.scope(), EventType.PURGE, null, null, "", "api", T);
    assertEquals(purge, MemoryCodec.eventFromJson(MemoryCodec.toJson(purge)));
  }

  @Test
  void event_writtenBeforeReasonsHadALimit_isStillRead_withItsReasonShortened() {
    Memory m = full();
    HistoryEvent e =
        new HistoryEvent(12, m.id(), m.scope(), EventType.UPDATE, m, m, "why", "pipeline", T);
    var tree = MemoryCodec.toTree(e);
    tree.put("reason", "r".repeat(5000));
    HistoryEvent read = MemoryCodec.eventFromTree(tree);
    assertEquals(HistoryEvent.MAX_REASON_LENGTH, read.reason().length());
    assertTrue(read.reason().startsWith("rrr") && read.reason().endsWith("..."));
  }

  @Test
  void malformedRecords_areRejectedWithAReason() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> MemoryCodec.memoryFromJson("{not json"))
            .getMessage()
            .startsWith("malformed record: not JSON"));
    assertEquals(
        "malformed memory record: missing field 'v'",
        assertThrows(IllegalArgumentException.class, () -> MemoryCodec.memoryFromJson("{}"))
            .getMessage());
    String future = MemoryCodec.toJson(full()).replace("\"v\":1", "\"v\":99");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> MemoryCodec.memoryFromJson(future))
            .getMessage()
            .contains("record format 99 is not supported"));
  }
}
