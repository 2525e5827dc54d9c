package dev.engram.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.mcp.internal.McpCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Usage mistakes end the command with exit code 2 and a message, before any store is opened. */
class McpCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Map<String, String> env, String... args) {
    return McpCommand.run(
        args,
        env,
        new ByteArrayInputStream(new byte[0]),
        out,
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void usageErrors() {
    assertEquals(2, run(Map.of()));
    assertTrue(err().contains("usage:"), err());

    assertEquals(2, run(Map.of(), "chat"));
    assertTrue(err().contains("unknown command 'chat': expected mcp or serve"), err());

    assertEquals(2, run(Map.of(), "mcp", "--store", "x"));
    assertTrue(err().contains("needs --user ID (or $ENGRAM_USER) or --agent ID"), err());

    assertEquals(2, run(Map.of(), "mcp", "--user", "alice"));
    assertTrue(err().contains("needs --store DIR (or $ENGRAM_STORE)"), err());

    assertEquals(2, run(Map.of(), "mcp", "--store", "x", "--user", "al ice"));
    assertTrue(err().contains("scope.userId must be 1 to 128"), err());

    assertEquals(2, run(Map.of(), "mcp", "--store", "x", "--keys", "k"));
    assertTrue(err().contains("unknown option --keys (mcp takes --agent, --store, --user)"), err());

    assertEquals(2, run(Map.of(), "serve", "--store", "x"));
    assertTrue(err().contains("needs --keys FILE"), err());

    assertEquals(2, run(Map.of(), "mcp", "--user"));
    assertTrue(err().contains("--user needs a value"), err());

    assertEquals(0, out.size(), "nothing may reach the protocol stream");
  }

  @Test
  void helpIsNotAnError() {
    assertEquals(0, run(Map.of(), "--help"));
    assertTrue(err().contains("serve --store DIR --keys FILE"), err());
  }
}
