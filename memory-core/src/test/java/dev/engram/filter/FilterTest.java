package dev.engram.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterTest {
  private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

  private static Memory memory(Map<String, Object> metadata) {
    return Memory.builder()
        .id(MemoryId.random())
        .text("text")
        .scope(Scope.user("u"))
        .createdAt(T, T)
        .metadata(metadata)
        .build();
  }

  @Test
  void absentValues_failPositivePredicates_andSatisfyTheirNegations() {
    Memory m = memory(Map.of());
    assertFalse(Filter.eq("metadata.k", "v").test(m));
    assertFalse(Filter.gt("metadata.k", 1).test(m));
    assertTrue(Filter.ne("metadata.k", "v").test(m));
    assertTrue(Filter.nin("metadata.k", List.of("v")).test(m));
    assertFalse(Filter.exists("validTo").test(m));
    assertFalse(Filter.exists("agentId").test(m));
  }

  @Test
  void fieldsBuiltDirectly_areCheckedLikeFieldsFoundByName() {
    assertEquals(FilterField.of("importance"), new FilterField("importance", FieldType.NUMBER));
    assertEquals(FieldType.METADATA, new FilterField("metadata.topic", FieldType.METADATA).type());
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> new FilterField("colour", FieldType.STRING))
            .getMessage()
            .startsWith("unknown filter field 'colour'"));
    assertEquals(
        "filter field 'importance' has type NUMBER, not STRING",
        assertThrows(
                IllegalArgumentException.class,
                () -> new FilterField("importance", FieldType.STRING))
            .getMessage());
    assertEquals(
        "filter field 'metadata.n' has type METADATA, not NUMBER",
        assertThrows(
                IllegalArgumentException.class,
                () -> new FilterField("metadata.n", FieldType.NUMBER))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new FilterField("metadata.", FieldType.METADATA));
    assertEquals(
        "filter field must not be null",
        assertThrows(IllegalArgumentException.class, () -> new FilterField(null, FieldType.STRING))
            .getMessage());
  }

  @Test
  void mismatchedTypes_doNotMatch() {
    Memory m = memory(Map.of("k", "5", "b", true));
    assertFalse(Filter.eq("metadata.k", 5).test(m));
    assertFalse(Filter.gt("metadata.k", 1).test(m));
    assertFalse(Filter.eq("metadata.b", "true").test(m));
    assertTrue(Filter.eq("metadata.b", true).test(m));
  }

  @Test
  void numbers_compareAsDoubles_andZeroEqualsNegativeZero() {
    Memory m = memory(Map.of("n", 3L, "z", 0.0));
    assertTrue(Filter.eq("metadata.n", 3.0).test(m));
    assertTrue(Filter.lt("metadata.n", 3.5).test(m));
    assertTrue(Filter.eq("metadata.z", -0.0).test(m));
  }

  @Test
  void strings_compareByCodePoint() {
    // U+1F41D (a surrogate pair in UTF-16) sorts after U+FF5E by code point, not by UTF-16 unit.
    Memory m = memory(Map.of("s", "\uD83D\uDC1D"));
    assertTrue(Filter.gt("metadata.s", "\uFF5E").test(m));
  }
}
