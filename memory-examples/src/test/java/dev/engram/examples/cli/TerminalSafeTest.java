package dev.engram.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, item 5 (CLI): stored text is printed with its control characters escaped, so a memory
 * cannot clear the screen or retitle the terminal.
 */
class TerminalSafeTest {
  @TempDir Path dir;

  @Test
  void controlCharacters_areEscaped_andPlainTextIsUntouched() {
    String plain = "I prefer green tea — 緑茶 🍵";
    assertSame(plain, Terminal.safe(plain));
    assertEquals(
        "\\x1b]0;pwned\\x07\\x1b[2Jgone\\nnext\\t\\x9b\\u202e",
        Terminal.safe("\u001b]0;pwned\u0007\u001b[2Jgone\nnext\t\u009b\u202e"));
    assertEquals(
        "line one\nline \\x1b[2Jtwo", Terminal.safeKeepingLines("line one\nline \u001b[2Jtwo"));
  }

  @Test
  void listAndSearch_printStoredEscapeSequencesEscaped() {
    String store = dir.resolve("store").toString();
    String hostile = "tea \u001b]0;pwned\u0007\u001b[2J time";
    run("add", "--store", store, "--user", "alice", hostile);
    String list = run("list", "--store", store, "--user", "alice")[1];
    String search = run("search", "--store", store, "--user", "alice", "tea")[1];
    for (String out : new String[] {list, search}) {
      assertFalse(out.contains("\u001b"), out);
      assertTrue(out.contains("tea \\x1b]0;pwned\\x07\\x1b[2J time"), out);
    }
  }

  /** Runs the CLI; returns the error output (empty on success) and the output. */
  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    new Cli(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new Stores(Map.of()))
        .run(args);
    return new String[] {
      err.toString(StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8)
    };
  }
}
