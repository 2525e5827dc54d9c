package dev.engram.mcp.internal;

import dev.engram.MemoryStore;
import dev.engram.mcp.ApiKeys;
import dev.engram.mcp.EngramMcp;
import dev.engram.mcp.HttpMcpServer;
import dev.engram.mcp.StdioMcpServer;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.logging.Level;

/**
 * The {@code mcp} and {@code serve} commands: open the embedded store of a directory and serve it
 * until the client leaves (stdio) or the process is stopped (HTTP). The store is closed on the way
 * out, also on SIGTERM.
 */
public final class McpCommand {
  /** Exit code of a usage error. */
  public static final int USAGE = 2;

  /** Exit code of a failure. */
  public static final int FAILED = 1;

  static final String HELP =
      """
      usage:
        mcp   --store DIR --user ID [--agent ID]
              serve one tenant's memory over stdin/stdout (an MCP client launches this)
        serve --store DIR --keys FILE [--port P] [--host ADDR]
              serve the tenants of an API key file over streamable HTTP at http://ADDR:P/mcp
              (default 127.0.0.1:%d); each key is bound to one scope (see docs/mcp.md)
      --store defaults to $ENGRAM_STORE, --user to $ENGRAM_USER.
      """
          .formatted(EngramMcp.DEFAULT_PORT);

  private static final Map<String, Set<String>> FLAGS =
      Map.of(
          "mcp", Set.of("store", "user", "agent"),
          "serve", Set.of("store", "keys", "port", "host"));

  private McpCommand() {}

  // Tomcat's start/stop chatter and its web-application leak checks are noise for a command. The
  // loggers are held here because JUL keeps only weak references, which would drop the levels.
  private static final List<java.util.logging.Logger> QUIET =
      List.of(
          quiet("org.apache.catalina", Level.WARNING),
          quiet("org.apache.coyote", Level.WARNING),
          quiet("org.apache.catalina.loader", Level.SEVERE));

  private static java.util.logging.Logger quiet(String name, Level level) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(level);
    return logger;
  }

  /** Runs a command; returns its exit code once it has finished serving. */
  public static int run(
      String[] args, Map<String, String> env, InputStream in, OutputStream out, PrintStream err) {
    return run(args, env, in, out, err, EmbeddedMemory::open);
  }

  /** As above, with the way a directory is opened (tests serve an in-memory store). */
  static int run(
      String[] args,
      Map<String, String> env,
      InputStream in,
      OutputStream out,
      PrintStream err,
      Function<Path, MemoryStore> opener) {
    Map<String, String> flags;
    String command;
    try {
      if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
        err.print(HELP);
        return args.length == 0 ? USAGE : 0;
      }
      command = args[0];
      if (!FLAGS.containsKey(command)) {
        throw new UsageError("unknown command '" + command + "': expected mcp or serve");
      }
      flags = parse(command, List.of(args).subList(1, args.length));
    } catch (UsageError e) {
      err.println("engram " + (args.length > 0 ? args[0] : "") + ": " + e.getMessage());
      err.print(HELP);
      return USAGE;
    }
    try {
      return command.equals("mcp")
          ? stdio(flags, env, in, out, err, opener)
          : http(flags, env, err, opener);
    } catch (UsageError e) {
      err.println("engram " + command + ": " + e.getMessage());
      return USAGE;
    } catch (RuntimeException e) {
      err.println("engram " + command + ": " + e.getMessage());
      return FAILED;
    }
  }

  private static int stdio(
      Map<String, String> flags,
      Map<String, String> env,
      InputStream in,
      OutputStream out,
      PrintStream err,
      Function<Path, MemoryStore> opener) {
    String user = flags.getOrDefault("user", env.get("ENGRAM_USER"));
    String agent = flags.get("agent");
    if (user == null && agent == null) {
      throw new UsageError(
          "needs --user ID (or $ENGRAM_USER) or --agent ID: whose memory to serve");
    }
    Scope scope;
    try {
      scope = Scope.of(user, agent, null);
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage());
    }
    Path dir = storeDir(flags, env);
    MemoryStore store = opener.apply(dir);
    StdioMcpServer server = EngramMcp.stdio(store, scope, in, out);
    Runnable shutdown = closer(server, store);
    Thread hook = new Thread(shutdown, "engram-mcp-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    err.println("engram mcp: serving " + scope + " from " + dir + " over stdio");
    try {
      server.awaitClientExit();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    shutdown.run();
    removeHook(hook);
    return 0;
  }

  private static int http(
      Map<String, String> flags,
      Map<String, String> env,
      PrintStream err,
      Function<Path, MemoryStore> opener) {
    String keysFile = flags.get("keys");
    if (keysFile == null) {
      throw new UsageError("needs --keys FILE: the API keys and the scope each one is bound to");
    }
    ApiKeys keys = ApiKeys.load(Path.of(keysFile));
    HttpMcpServer.Builder builder;
    int port = EngramMcp.DEFAULT_PORT;
    if (flags.containsKey("port")) {
      try {
        port = Integer.parseInt(flags.get("port"));
      } catch (NumberFormatException e) {
        throw new UsageError("--port must be a number, got '" + flags.get("port") + "'");
      }
    }
    Path dir = storeDir(flags, env);
    MemoryStore store = opener.apply(dir);
    HttpMcpServer server;
    try {
      builder = HttpMcpServer.builder(store, keys).port(port);
      if (flags.containsKey("host")) {
        builder.host(flags.get("host"));
      }
      server = builder.start();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable shutdown = closer(server, store);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shutdown.run();
                  stopped.countDown();
                },
                "engram-mcp-shutdown"));
    err.println(
        "engram serve: "
            + keys.size()
            + " API key(s), store "
            + dir
            + ", MCP endpoint "
            + server.endpoint());
    try {
      stopped.await(); // until SIGTERM / Ctrl-C runs the hook
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      shutdown.run();
    }
    return 0;
  }

  private static Runnable closer(AutoCloseable server, MemoryStore store) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        try {
          server.close();
        } catch (Exception e) {
          System.err.println("engram: closing the MCP server failed: " + e);
        } finally {
          store.close();
        }
      }
    };
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook finds the work done.
    }
  }

  private static Path storeDir(Map<String, String> flags, Map<String, String> env) {
    String dir = flags.getOrDefault("store", env.get("ENGRAM_STORE"));
    if (dir == null || dir.isBlank()) {
      throw new UsageError("needs --store DIR (or $ENGRAM_STORE): the store's directory");
    }
    return Path.of(dir);
  }

  static Map<String, String> parse(String command, List<String> args) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--")) {
        throw new UsageError("unexpected argument '" + a + "'");
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (!FLAGS.get(command).contains(name)) {
        throw new UsageError(
            "unknown option --"
                + name
                + " ("
                + command
                + " takes --"
                + String.join(", --", FLAGS.get(command).stream().sorted().toList())
                + ")");
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new UsageError("--" + name + " needs a value");
        }
        value = args.get(++i);
      }
      if (flags.put(name, value) != null) {
        throw new UsageError("--" + name + " is given twice");
      }
    }
    return flags;
  }

  /** A command-line mistake: exit code 2 with the message and the usage. */
  static final class UsageError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message, null, false, false);
    }
  }
}
