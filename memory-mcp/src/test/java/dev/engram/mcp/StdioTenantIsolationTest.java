package dev.engram.mcp;

import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;

/**
 * The isolation contract over stdio: each session is a real server process, launched as an MCP
 * client launches one ({@code EngramMcp mcp --store DIR --user ID}), on the same store directory.
 * Whatever the server printed on stdout besides protocol messages would break the client.
 */
class StdioTenantIsolationTest extends TenantIsolationContract {
  @TempDir Path dir;

  @Override
  McpSession session(String tenant) {
    awaitServerProcessesExited(); // the previous session's process holds the store's lock
    String java = ProcessHandle.current().info().command().orElseThrow();
    ServerParameters params =
        ServerParameters.builder(java)
            .args(
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                EngramMcp.class.getName(),
                "mcp",
                "--store",
                dir.toString(),
                "--user",
                tenant)
            .build();
    StdioClientTransport transport = new StdioClientTransport(params, McpSession.JSON);
    transport.setStdErrorHandler(line -> System.err.println("[server " + tenant + "] " + line));
    return new McpSession(transport) {
      @Override
      public void close() {
        super.close();
        awaitServerProcessesExited();
      }
    };
  }

  private static void awaitServerProcessesExited() {
    List<ProcessHandle> children = ProcessHandle.current().children().toList();
    for (ProcessHandle child : children) {
      try {
        child.onExit().get(McpSession.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("the server process " + child.pid() + " did not exit", e);
      }
    }
  }
}
