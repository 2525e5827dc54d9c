package dev.engram.mcp;

import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The isolation contract over streamable HTTP: the tenant is the caller's API key's scope. */
class HttpTenantIsolationTest extends TenantIsolationContract {
  @TempDir Path dir;
  private final Map<String, String> keyOf = Map.of("alice", Keys.random(), "bob", Keys.random());
  private MemoryStore store;
  private HttpMcpServer server;

  @BeforeEach
  void start() {
    store = EmbeddedMemory.open(dir);
    server =
        HttpMcpServer.builder(
                store,
                ApiKeys.of(
                    Map.of(
                        keyOf.get("alice"), Scope.user("alice"),
                        keyOf.get("bob"), Scope.user("bob"))))
            .port(0)
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
    store.close();
  }

  @Override
  McpSession session(String tenant) {
    return McpSession.http(server, keyOf.get(tenant));
  }
}
