package dev.engram.mcp;

import dev.engram.MemoryStore;
import dev.engram.mcp.internal.InFlight;
import dev.engram.mcp.internal.MemoryToolSet;
import dev.engram.mcp.internal.Servers;
import dev.engram.memory.Scope;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An MCP server over a pair of streams (a process's stdin and stdout), bound to one {@link Scope}
 * for its whole life: every tool call reads and writes that scope's memory, whatever its arguments
 * say. Start one with {@link EngramMcp#stdio(MemoryStore, Scope)}.
 *
 * <p>The server does not own the store: closing the server leaves the store open.
 */
public final class StdioMcpServer implements AutoCloseable {
  private final Scope scope;
  private final McpSyncServer server;
  private final InFlight inFlight;
  private final CountDownLatch inputEnded;
  private final Duration drainTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  private StdioMcpServer(
      Scope scope,
      McpSyncServer server,
      InFlight inFlight,
      CountDownLatch inputEnded,
      Duration drainTimeout) {
    this.scope = scope;
    this.server = server;
    this.inFlight = inFlight;
    this.inputEnded = inputEnded;
    this.drainTimeout = drainTimeout;
  }

  static StdioMcpServer start(
      MemoryStore store, Scope scope, InputStream in, OutputStream out, Duration drainTimeout) {
    Objects.requireNonNull(store, "store must not be null");
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(in, "in must not be null");
    Objects.requireNonNull(out, "out must not be null");
    if (!scope.hasOwner()) {
      throw new IllegalArgumentException("scope must name a user or an agent, not only a session");
    }
    CountDownLatch inputEnded = new CountDownLatch(1);
    InFlight inFlight = new InFlight();
    McpJsonMapper json = Servers.json();
    MemoryToolSet tools = new MemoryToolSet(store, exchange -> scope, inFlight, json);
    StdioServerTransportProvider transport =
        new StdioServerTransportProvider(json, new EndSignallingInput(in, inputEnded), out);
    McpSyncServer server = Servers.configure(McpServer.sync(transport), json, tools).build();
    return new StdioMcpServer(scope, server, inFlight, inputEnded, drainTimeout);
  }

  /** The tenant every call of this server is bound to. */
  public Scope scope() {
    return scope;
  }

  /**
   * Blocks until the client closes the input stream (it exits or ends the session).
   *
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public void awaitClientExit() throws InterruptedException {
    inputEnded.await();
  }

  /**
   * Waits up to {@code timeout} for the client to close the input stream.
   *
   * @return whether it did
   * @throws InterruptedException if the waiting thread is interrupted
   */
  public boolean awaitClientExit(Duration timeout) throws InterruptedException {
    return inputEnded.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** How many tool calls are running now. */
  public int runningCalls() {
    return inFlight.running();
  }

  /**
   * Refuses new calls, waits for running ones (up to the drain timeout), then closes the session.
   * Idempotent; the store stays open.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      inFlight.closeAndAwait(drainTimeout);
      server.closeGracefully();
    }
  }

  /** Counts down when the client's stream ends, so the process knows to exit. */
  private static final class EndSignallingInput extends FilterInputStream {
    private final CountDownLatch ended;

    EndSignallingInput(InputStream in, CountDownLatch ended) {
      super(in);
      this.ended = ended;
    }

    @Override
    public int read() throws IOException {
      try {
        return signal(super.read());
      } catch (IOException e) {
        ended.countDown();
        throw e;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return signal(super.read(b, off, len));
      } catch (IOException e) {
        ended.countDown();
        throw e;
      }
    }

    private int signal(int n) {
      if (n < 0) {
        ended.countDown();
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      ended.countDown();
      super.close();
    }
  }
}
