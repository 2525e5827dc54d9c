package dev.engram.mcp;

import dev.engram.MemoryStore;
import dev.engram.mcp.internal.McpCommand;
import dev.engram.memory.Scope;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Serves a {@link MemoryStore} to MCP clients (desktop assistants, coding agents, agents written in
 * Python or TypeScript) with five tools: {@code add_memory}, {@code search_memory}, {@code
 * list_memories}, {@code delete_memory} and {@code memory_history}.
 *
 * <p>The tenant is always bound by the server, never by a tool argument: over stdio by the scope
 * the process was launched with, over HTTP by the scope of the caller's API key. A call whose
 * arguments name another tenant ({@code user_id}, {@code userId}, {@code agent_id}, …) is refused.
 * Whether an add goes through an LLM pipeline is the store's decision: hand in a store built with
 * one ({@code Engram.builder().pipeline(...)}) and every {@code add_memory} is extracted and
 * consolidated by it.
 *
 * {@snippet :
 * try (MemoryStore store = EmbeddedMemory.open(Path.of("memory"));
 *     StdioMcpServer server = EngramMcp.stdio(store, Scope.user("alice"))) {
 *   server.awaitClientExit();
 * }
 * }
 *
 * <p>As a command ({@link #main(String[])}):
 *
 * <pre>
 * mcp   --store DIR --user ID [--agent ID]                 one tenant over stdin/stdout
 * serve --store DIR --keys FILE [--port P] [--host ADDR]   the tenants of a key file over HTTP
 * </pre>
 */
public final class EngramMcp {
  /** The default HTTP port. */
  public static final int DEFAULT_PORT = 8765;

  /** The default path of the streamable-HTTP endpoint. */
  public static final String ENDPOINT = "/mcp";

  /** How long closing a stdio server waits for running tool calls. */
  public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private EngramMcp() {}

  /**
   * Serves {@code scope}'s memory over this process's standard input and output. Nothing else may
   * write to {@code System.out} while it runs (the protocol owns it): log to standard error.
   */
  public static StdioMcpServer stdio(MemoryStore store, Scope scope) {
    return stdio(store, scope, System.in, System.out);
  }

  /** Serves {@code scope}'s memory over the given streams (newline-delimited JSON-RPC). */
  public static StdioMcpServer stdio(
      MemoryStore store, Scope scope, InputStream in, OutputStream out) {
    return StdioMcpServer.start(store, scope, in, out, DRAIN_TIMEOUT);
  }

  /**
   * Serves the tenants of {@code keys} over streamable HTTP on {@code 127.0.0.1:port}, endpoint
   * {@value #ENDPOINT}; {@link HttpMcpServer#builder} has the other options.
   */
  public static HttpMcpServer http(MemoryStore store, ApiKeys keys, int port) {
    return HttpMcpServer.builder(store, keys).port(port).start();
  }

  /**
   * Runs the {@code mcp} or {@code serve} command (usage above); exits with 2 on a usage error, 1
   * on a failure.
   */
  public static void main(String[] args) {
    // The protocol owns standard output: whatever a library prints there goes to stderr instead.
    PrintStream protocol = System.out;
    System.setOut(System.err);
    System.exit(McpCommand.run(args, System.getenv(), System.in, protocol, System.err));
  }
}
