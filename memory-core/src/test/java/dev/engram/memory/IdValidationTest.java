package dev.engram.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Ids, scope ids, metadata keys and link relations accept exactly the strings of their documented
 * patterns (checked here against the regular expressions they are validated without).
 */
class IdValidationTest {
  private static final String ALPHABET = "aZz09_-.:@+/ é\u0000A";

  private static void agrees(String pattern, Consumer<String> validate, long seed) {
    Pattern p = Pattern.compile(pattern);
    Random r = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      int length =
          switch (r.nextInt(4)) {
            case 0 -> r.nextInt(4);
            case 1 -> 30 + r.nextInt(5);
            case 2 -> 62 + r.nextInt(5);
            default -> 126 + r.nextInt(5);
          };
      StringBuilder sb = new StringBuilder();
      boolean plain = r.nextInt(3) > 0; // mostly valid characters, so lengths are tested too
      for (int k = 0; k < length; k++) {
        sb.append(
            plain && r.nextInt(20) > 0
                ? "abc019_Z".charAt(r.nextInt(8))
                : ALPHABET.charAt(r.nextInt(ALPHABET.length())));
      }
      String s = sb.toString();
      boolean accepted;
      try {
        validate.accept(s);
        accepted = true;
      } catch (IllegalArgumentException e) {
        accepted = false;
      }
      assertEquals(
          p.matcher(s).matches(), accepted, "'" + s + "' against " + pattern + ", seed " + seed);
    }
  }

  @Test
  void validation_acceptsExactlyTheDocumentedPatterns() {
    long seed = new Random().nextLong();
    System.out.println("IdValidationTest seed " + seed);
    agrees("[A-Za-z0-9_-]{1,64}", MemoryId::new, seed);
    agrees("[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}", Scope::user, seed);
    agrees("[A-Za-z_][A-Za-z0-9_-]{0,63}", k -> Metadata.normalize(Map.of(k, "v")), seed);
    agrees("[a-z][a-z0-9_]{0,31}", rel -> new Link(MemoryId.random(), rel), seed);
    for (String ok : List.of("a", "Z9", "_x", "x-y")) {
      assertEquals(1, Metadata.normalize(Map.of(ok, 1L)).size());
    }
  }
}
