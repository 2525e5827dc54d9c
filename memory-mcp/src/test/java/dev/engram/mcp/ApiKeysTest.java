package dev.engram.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.memory.Scope;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
  private static final String A = "a".repeat(32);
  private static final String B = "0123456789abcdef0123456789abcdef-_.~+/=";

  @TempDir Path dir;

  private Path file(String text) throws Exception {
    Path f = dir.resolve("keys.txt");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void load_mapsEachKeyToItsScope() throws Exception {
    ApiKeys keys =
        ApiKeys.load(
            file(
                "# comment\n\n"
                    + A
                    + "   user=alice\n"
                    + "  "
                    + B
                    + "\tuser=bob agent=travel-bot session=s1  \n"));
    assertEquals(2, keys.size());
    assertEquals(Optional.of(Scope.user("alice")), keys.scopeOf(A));
    assertEquals(Optional.of(Scope.of("bob", "travel-bot", "s1")), keys.scopeOf(B));
    assertEquals(Optional.empty(), keys.scopeOf("b".repeat(32)));
    assertEquals(Optional.empty(), keys.scopeOf(null));
    assertEquals(Optional.empty(), keys.scopeOf(A.substring(1)));
    assertFalse(keys.toString().contains(A), "keys never appear in toString");
  }

  @Test
  void load_namesTheFileAndLineOfAMistake() throws Exception {
    Path f = file(A + " user=alice\n" + A + " user=bob\n");
    assertEquals(
        f + " line 2: this key is already given on an earlier line",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(f)).getMessage());

    Path g = file("short user=alice\n");
    assertEquals(
        g
            + " line 1: the key must be 32 to 256 characters, got 5 (make one with: openssl rand -hex 32)",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(g)).getMessage());

    Path h = file(A + "\n");
    assertEquals(
        h + " line 1: the key needs a scope, e.g. user=alice",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(h)).getMessage());

    Path i = file(A + " tenant=alice\n");
    assertEquals(
        i + " line 1: expected user=ID, agent=ID or session=ID, got 'tenant=alice'",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(i)).getMessage());

    Path j = file(A + " session=s1\n");
    assertEquals(
        j + " line 1: the scope must name a user or an agent, not only a session",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(j)).getMessage());

    Path k = file(A + " user=al ice\n");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(k))
            .getMessage()
            .startsWith(k + " line 1: expected user=ID"));

    Path l = file(A + " user=alice user=bob\n");
    assertEquals(
        l + " line 1: user= is given twice",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(l)).getMessage());

    Path m = file(A.substring(2) + "é! user=alice\n");
    assertEquals(
        m + " line 1: the key may contain only letters, digits and - _ . ~ + / =",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(m)).getMessage());

    Path empty = file("# nothing\n");
    assertEquals(
        empty + " has no keys: no client could connect",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(empty)).getMessage());

    assertThrows(UncheckedIOException.class, () -> ApiKeys.load(dir.resolve("missing")));
  }

  @Test
  void of_validatesLikeTheFile() {
    assertEquals(
        "keys must not be empty: no client could connect",
        assertThrows(IllegalArgumentException.class, () -> ApiKeys.of(Map.of())).getMessage());
    assertEquals(
        "key must be 32 to 256 characters, got 3 (make one with: openssl rand -hex 32)",
        assertThrows(
                IllegalArgumentException.class, () -> ApiKeys.of(Map.of("abc", Scope.user("a"))))
            .getMessage());
    assertEquals(
        "the scope of a key must name a user or an agent, not only a session",
        assertThrows(
                IllegalArgumentException.class,
                () -> ApiKeys.of(Map.of(A, Scope.of(null, null, "s"))))
            .getMessage());
  }
}
