package dev.engram.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapperSupplier;
import io.modelcontextprotocol.json.schema.jackson2.JacksonJsonSchemaValidatorSupplier;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A session of the SDK's own MCP client, with helpers to call the memory tools. It validates every
 * structured result against the tool's declared output schema, so a result that does not match its
 * schema fails the test.
 */
class McpSession implements AutoCloseable {
  static final McpJsonMapper JSON = new JacksonMcpJsonMapperSupplier().get();

  /** Generous: a shared 2-core CI machine may be slow, and nothing here waits for a time slice. */
  static final Duration TIMEOUT = Duration.ofSeconds(120);

  final McpSyncClient client;

  McpSession(McpClientTransport transport) {
    client =
        McpClient.sync(transport)
            .requestTimeout(TIMEOUT)
            .initializationTimeout(TIMEOUT)
            .jsonSchemaValidator(new JacksonJsonSchemaValidatorSupplier().get())
            .enableCallToolSchemaCaching(true)
            .build();
    client.initialize();
    Set<String> tools =
        client.listTools().tools().stream().map(McpSchema.Tool::name).collect(Collectors.toSet());
    assertEquals(
        Set.of("add_memory", "search_memory", "list_memories", "delete_memory", "memory_history"),
        tools);
  }

  /** A session over streamable HTTP with {@code key} as its bearer token. */
  static McpSession http(HttpMcpServer server, String key) {
    String base =
        server.endpoint().getScheme()
            + "://"
            + server.endpoint().getHost()
            + ":"
            + server.endpoint().getPort();
    return new McpSession(
        HttpClientStreamableHttpTransport.builder(base)
            .endpoint(server.endpoint().getPath())
            .jsonMapper(JSON)
            .connectTimeout(TIMEOUT)
            .addHttpRequestCustomizer(
                (request, method, uri, body, context) ->
                    request.header("Authorization", "Bearer " + key))
            .build());
  }

  CallToolResult call(String tool, Object... keysAndValues) {
    Map<String, Object> args = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      args.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return client.callTool(McpSchema.CallToolRequest.builder(tool).arguments(args).build());
  }

  /** Calls a tool that must succeed; returns its structured result. */
  @SuppressWarnings("unchecked")
  Map<String, Object> ok(String tool, Object... keysAndValues) {
    CallToolResult r = call(tool, keysAndValues);
    assertFalse(Boolean.TRUE.equals(r.isError()), () -> tool + " failed: " + text(r));
    Map<String, Object> structured = (Map<String, Object>) r.structuredContent();
    // The text content carries the same JSON, for clients that read only text.
    try {
      assertEquals(structured, JSON.readValue(text(r), Map.class));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    return structured;
  }

  /** Calls a tool that must fail as a tool error; returns its message. */
  String refused(String tool, Object... keysAndValues) {
    CallToolResult r = call(tool, keysAndValues);
    assertTrue(Boolean.TRUE.equals(r.isError()), () -> tool + " should have failed: " + text(r));
    return text(r);
  }

  static String text(CallToolResult r) {
    return r.content().stream()
        .map(c -> c instanceof McpSchema.TextContent t ? t.text() : c.toString())
        .collect(Collectors.joining("\n"));
  }

  /** The texts of a search's results, best first. */
  @SuppressWarnings("unchecked")
  List<String> searchTexts(String query, Object... more) {
    Object[] args = new Object[2 + more.length];
    args[0] = "query";
    args[1] = query;
    System.arraycopy(more, 0, args, 2, more.length);
    List<Map<String, Object>> results =
        (List<Map<String, Object>>) ok("search_memory", args).get("results");
    return results.stream().map(m -> (String) m.get("text")).toList();
  }

  /** The texts of every listed memory, following cursors. */
  @SuppressWarnings("unchecked")
  List<String> listTexts() {
    List<String> texts = new java.util.ArrayList<>();
    String cursor = null;
    do {
      Map<String, Object> page =
          cursor == null ? ok("list_memories") : ok("list_memories", "cursor", cursor);
      for (Map<String, Object> m : (List<Map<String, Object>>) page.get("memories")) {
        texts.add((String) m.get("text"));
      }
      cursor = (String) page.get("next_cursor");
    } while (cursor != null);
    return texts;
  }

  /** The id of the first memory an add stored. */
  @SuppressWarnings("unchecked")
  String add(String text) {
    List<Map<String, Object>> memories =
        (List<Map<String, Object>>) ok("add_memory", "text", text).get("memories");
    return (String) memories.get(0).get("id");
  }

  @Override
  public void close() {
    client.closeGracefully();
  }
}
