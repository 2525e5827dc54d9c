package dev.engram.mcp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.llm.LlmPipeline;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import dev.langchain4j.model.chat.ChatModel;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Java samples of docs/mcp.md, compiled (and the client one run) here. */
class McpDocSamplesTest {

  @Test
  void clientSample_searchesAsTheKeysUser() {
    String key = Keys.random();
    try (MemoryStore memory = Engram.inMemory();
        HttpMcpServer server =
            HttpMcpServer.builder(memory, ApiKeys.of(Map.of(key, Scope.user("alice"))))
                .port(0)
                .start()) {
      memory.add(Scope.user("alice"), "alice has peanut allergies");
      String baseUrl = "http://127.0.0.1:" + server.port();
      // docs/mcp.md: client
      McpSyncClient client =
          McpClient.sync(
                  HttpClientStreamableHttpTransport.builder(baseUrl) // e.g. "http://127.0.0.1:8765"
                      .endpoint("/mcp")
                      .addHttpRequestCustomizer(
                          (request, method, uri, body, context) ->
                              request.header("Authorization", "Bearer " + key))
                      .build())
              .build();
      client.initialize();
      CallToolResult result =
          client.callTool(
              CallToolRequest.builder("search_memory")
                  .arguments(Map.of("query", "allergies"))
                  .build());
      // end
      try (client) {
        assertFalse(Boolean.TRUE.equals(result.isError()));
        assertTrue(McpSession.text(result).contains("alice has peanut allergies"));
      }
    }
  }

  /** Compiled, not run: it would serve this JVM's stdin until it closes. */
  static void stdioWithPipelineSample(Path dir, ChatModel chatModel) throws InterruptedException {
    // docs/mcp.md: a store with a pipeline over stdio
    MemoryStore store =
        Engram.builder()
            .backend(EmbeddedMemory.backend(dir).build())
            .pipeline(LlmPipeline.builder(chatModel).build())
            .build();
    try (StdioMcpServer server = EngramMcp.stdio(store, Scope.user("alice"))) {
      server.awaitClientExit();
    }
    store.close();
    // end
  }
}
