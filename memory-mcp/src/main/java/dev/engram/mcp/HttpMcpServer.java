package dev.engram.mcp;

import dev.engram.MemoryStore;
import dev.engram.mcp.internal.ApiKeyFilter;
import dev.engram.mcp.internal.InFlight;
import dev.engram.mcp.internal.MemoryToolSet;
import dev.engram.mcp.internal.Servers;
import dev.engram.memory.Scope;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * An MCP server over streamable HTTP for many tenants, one per API key: each request is
 * authenticated by its {@code Authorization: Bearer} key and reads and writes only the memory of
 * the {@link Scope} that key is bound to ({@link ApiKeys}); tool arguments never choose the tenant.
 * Runs on an embedded Tomcat.
 *
 * {@snippet :
 * try (HttpMcpServer server =
 *     HttpMcpServer.builder(store, ApiKeys.load(Path.of("keys.txt"))).port(8765).start()) {
 *   System.err.println("MCP endpoint: " + server.endpoint());
 *   // ... until shutdown
 * }
 * }
 *
 * <p>The server does not own the store: closing the server leaves the store open. Plain HTTP only:
 * put it behind a TLS-terminating proxy before it leaves the machine, since the keys travel in a
 * header.
 */
public final class HttpMcpServer implements AutoCloseable {
  private static final String SCOPE_KEY = "dev.engram.mcp.scope";

  private final Tomcat tomcat;
  private final McpSyncServer server;
  private final InFlight inFlight;
  private final Path baseDir;
  private final URI endpoint;
  private final Duration drainTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpMcpServer(
      Tomcat tomcat,
      McpSyncServer server,
      InFlight inFlight,
      Path baseDir,
      URI endpoint,
      Duration drainTimeout) {
    this.tomcat = tomcat;
    this.server = server;
    this.inFlight = inFlight;
    this.baseDir = baseDir;
    this.endpoint = endpoint;
    this.drainTimeout = drainTimeout;
  }

  /** A builder for a server over {@code store} for the tenants of {@code keys}. */
  public static Builder builder(MemoryStore store, ApiKeys keys) {
    return new Builder(store, keys);
  }

  /** The port the server listens on (the one chosen by the system if the builder said 0). */
  public int port() {
    return endpoint.getPort();
  }

  /** The MCP endpoint's URL, e.g. {@code http://127.0.0.1:8765/mcp}. */
  public URI endpoint() {
    return endpoint;
  }

  /** How many requests (tool calls among them) are being handled now. */
  public int runningCalls() {
    return inFlight.running();
  }

  /**
   * Refuses new requests (503), waits until the running ones have written their responses (up to
   * the drain timeout), closes the MCP sessions and stops listening. Idempotent; the store stays
   * open.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      inFlight.closeAndAwait(drainTimeout);
      server.closeGracefully();
      tomcat.stop();
      tomcat.destroy();
    } catch (LifecycleException e) {
      throw new IllegalStateException("the HTTP server did not stop cleanly: " + e, e);
    } finally {
      deleteRecursively(baseDir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Tomcat's scratch directory under the temp dir; leaving it is harmless.
    }
  }

  /** Builds and starts {@link HttpMcpServer}s; every setter validates at once. */
  public static final class Builder {
    private final MemoryStore store;
    private final ApiKeys keys;
    private String host = "127.0.0.1";
    private int port = EngramMcp.DEFAULT_PORT;
    private String path = EngramMcp.ENDPOINT;
    private Duration drainTimeout = Duration.ofSeconds(30);

    private Builder(MemoryStore store, ApiKeys keys) {
      this.store = Objects.requireNonNull(store, "store must not be null");
      this.keys = Objects.requireNonNull(keys, "keys must not be null");
    }

    /**
     * The address to listen on; default {@code 127.0.0.1} (this machine only). {@code 0.0.0.0}
     * listens on every interface.
     */
    public Builder host(String host) {
      Objects.requireNonNull(host, "host must not be null");
      try {
        InetAddress.getByName(host);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("host '" + host + "' does not resolve", e);
      }
      this.host = host;
      return this;
    }

    /** The port, 0 to 65535 (0: any free port); default {@value EngramMcp#DEFAULT_PORT}. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /** The endpoint's path; default {@value EngramMcp#ENDPOINT}. */
    public Builder path(String path) {
      Objects.requireNonNull(path, "path must not be null");
      if (!path.matches("/[A-Za-z0-9._~/-]*")) {
        throw new IllegalArgumentException(
            "path must start with / and contain only letters, digits and . _ ~ / -, got '"
                + path
                + "'");
      }
      this.path = path;
      return this;
    }

    /**
     * How long {@link HttpMcpServer#close()} waits for running tool calls; default 30 seconds (an
     * add through an LLM pipeline can take that long).
     */
    public Builder drainTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "drainTimeout must not be null");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout must not be negative, got " + timeout);
      }
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * Starts listening.
     *
     * @throws IllegalStateException if the server cannot start (e.g. the port is taken)
     */
    public HttpMcpServer start() {
      McpJsonMapper json = Servers.json();
      // Requests are counted by the key filter, around the writing of their responses.
      InFlight inFlight = new InFlight();
      MemoryToolSet tools =
          new MemoryToolSet(
              store,
              exchange -> exchange.transportContext().get(SCOPE_KEY) instanceof Scope s ? s : null,
              new InFlight(),
              json);
      HttpServletStreamableServerTransportProvider transport =
          HttpServletStreamableServerTransportProvider.builder()
              .jsonMapper(json)
              .mcpEndpoint(path)
              .contextExtractor(
                  request ->
                      request.getAttribute(ApiKeyFilter.SCOPE_ATTRIBUTE) instanceof Scope s
                          ? McpTransportContext.create(Map.of(SCOPE_KEY, s))
                          : McpTransportContext.EMPTY)
              .build();
      McpSyncServer server = Servers.configure(McpServer.sync(transport), json, tools).build();

      Path baseDir;
      try {
        baseDir = Files.createTempDirectory("engram-mcp-tomcat");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create Tomcat's scratch directory: " + e, e);
      }
      Tomcat tomcat = new Tomcat();
      tomcat.setBaseDir(baseDir.toString());
      Connector connector = new Connector();
      connector.setPort(port);
      connector.setProperty("address", host);
      tomcat.getService().addConnector(connector);
      tomcat.setConnector(connector);
      Context context = tomcat.addContext("", null);
      if (context instanceof StandardContext standard) {
        // Leak detection is for redeployed web applications; this context lives as long as the
        // server, and the checks only print warnings that need --add-opens.
        standard.setClearReferencesRmiTargets(false);
        standard.setClearReferencesThreadLocals(false);
      }
      Wrapper servlet = Tomcat.addServlet(context, "mcp", transport);
      servlet.setAsyncSupported(true);
      context.addServletMapping(path, "mcp");
      FilterDef filterDef = new FilterDef();
      filterDef.setFilterName("api-keys");
      filterDef.setFilter(new ApiKeyFilter(keys, inFlight));
      filterDef.setAsyncSupported("true");
      context.addFilterDef(filterDef);
      FilterMap filterMap = new FilterMap();
      filterMap.setFilterName("api-keys");
      filterMap.addURLPattern("/*");
      context.addFilterMap(filterMap);
      try {
        tomcat.start();
      } catch (LifecycleException e) {
        server.close();
        deleteRecursively(baseDir);
        throw new IllegalStateException(
            "the MCP HTTP server could not start on " + host + ":" + port + ": " + e, e);
      }
      int actualPort = connector.getLocalPort();
      if (actualPort <= 0) {
        // Tomcat reports a failed bind through the connector's state, not an exception.
        server.close();
        try {
          tomcat.stop();
          tomcat.destroy();
        } catch (LifecycleException ignored) {
          // already failed
        }
        deleteRecursively(baseDir);
        throw new IllegalStateException(
            "the MCP HTTP server could not listen on "
                + host
                + ":"
                + port
                + " (is the port in use?)");
      }
      String hostPart = host.contains(":") ? "[" + host + "]" : host;
      URI endpoint = URI.create("http://" + hostPart + ":" + actualPort + path);
      return new HttpMcpServer(tomcat, server, inFlight, baseDir, endpoint, drainTimeout);
    }
  }
}
