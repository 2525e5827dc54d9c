package dev.engram.examples.cli;

import dev.engram.MemoryStore;
import dev.engram.mcp.ApiKeys;
import dev.engram.mcp.EngramMcp;
import dev.engram.mcp.HttpMcpServer;
import dev.engram.mcp.StdioMcpServer;
import dev.engram.memory.Scope;
import dev.langchain4j.model.chat.ChatModel;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code engram mcp} and {@code engram serve}: the store served to MCP clients (memory-mcp), one
 * tenant per process over stdio or one tenant per API key over streamable HTTP. With an LLM set
 * (the same flags as {@code add}), every {@code add_memory} goes through the pipeline.
 */
final class McpCommands {
  // Tomcat announces its start and stop, and checks web applications for leaks, at INFO: noise
  // for a command. Held here because java.util.logging keeps loggers only weakly.
  private static final List<Logger> QUIET =
      List.of(
          quiet("org.apache.catalina", Level.WARNING),
          quiet("org.apache.coyote", Level.WARNING),
          quiet("org.apache.catalina.loader", Level.SEVERE));

  private McpCommands() {}

  private static Logger quiet(String name, Level level) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(level);
    return logger;
  }

  /** The store a server command serves, with the pipeline when an LLM is set. */
  private static MemoryStore open(Stores stores, Options.Store where, Options.Llm llm) {
    ChatModel model = stores.llmKind(llm).equals("none") ? null : stores.chatModel(llm);
    return stores.create(where, model);
  }

  private static String llmNote(Stores stores, Options.Llm llm) {
    String kind = stores.llmKind(llm);
    return kind.equals("none")
        ? "no LLM (adds stored verbatim)"
        : "LLM " + kind + " " + stores.modelName(llm) + " (adds through the pipeline)";
  }

  /** Closes the server, then the store, once, whoever asks first (the command or SIGTERM). */
  private static Runnable closer(AutoCloseable server, MemoryStore store, PrintStream err) {
    AtomicBoolean done = new AtomicBoolean();
    return () -> {
      if (done.compareAndSet(false, true)) {
        try {
          server.close();
        } catch (Exception e) {
          err.println("engram: closing the MCP server failed: " + Cli.oneLine(e.getMessage()));
        } finally {
          store.close();
        }
      }
    };
  }

  private static Thread hook(Runnable shutdown, CountDownLatch stopped) {
    Thread hook =
        new Thread(
            () -> {
              shutdown.run();
              stopped.countDown();
            },
            "engram-mcp-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down: the hook runs, and finds the work done.
    }
  }

  @Command(
      name = "mcp",
      description = {
        "Serve one user's memory to an MCP client over stdin/stdout.",
        "An MCP client (Claude Desktop, an IDE, an agent) launches this command and speaks the"
            + " Model Context Protocol on its standard input and output; standard output carries"
            + " nothing else, everything else goes to standard error. Every tool call reads and"
            + " writes the memory of --user/--agent: a tool argument naming another user is"
            + " refused. Exits when the client closes the input. See docs/mcp.md."
      })
  static final class Mcp extends Commands.Base {
    @Mixin Options.Scope where = new Options.Scope();
    @Mixin Options.Llm llm = new Options.Llm();

    Mcp(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() throws InterruptedException {
      Scope scope = stores.scope(where);
      PrintStream protocol = out;
      PrintStream err = cli.err;
      // The protocol owns standard output: whatever a library prints there would corrupt it, so
      // it goes to standard error instead.
      PrintStream systemOut = System.out;
      boolean redirected = protocol == systemOut;
      if (redirected) {
        System.setOut(err);
      }
      try {
        MemoryStore store = open(stores, where.where, llm);
        StdioMcpServer server;
        try {
          server = EngramMcp.stdio(store, scope, cli.in, protocol);
        } catch (RuntimeException e) {
          store.close();
          throw e;
        }
        Runnable shutdown = closer(server, store, err);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = hook(shutdown, stopped);
        err.println(
            "engram mcp: serving "
                + scope
                + " from "
                + stores.storeDir(where.where)
                + " over stdio, "
                + llmNote(stores, llm));
        try {
          server.awaitClientExit();
        } finally {
          shutdown.run();
          removeHook(hook);
        }
        return 0;
      } finally {
        if (redirected) {
          System.setOut(systemOut);
        }
      }
    }
  }

  @Command(
      name = "serve",
      description = {
        "Serve the memories of the users of an API key file to MCP clients over HTTP.",
        "Streamable HTTP at http://HOST:PORT/mcp. Each line of the key file is a key and the one"
            + " scope it reaches (e.g. 'KEY user=alice'; see docs/mcp.md); a request needs"
            + " 'Authorization: Bearer KEY'. Runs until stopped (Ctrl-C, SIGTERM), then lets"
            + " running calls finish and closes the store."
      })
  static final class Serve extends Commands.Base {
    @Mixin Options.Store where = new Options.Store();

    @Option(
        names = "--keys",
        paramLabel = "FILE",
        description = "the API keys, one per line with the scope it is bound to (required)")
    Path keys;

    @Option(
        names = "--port",
        paramLabel = "P",
        description = "the port (default " + EngramMcp.DEFAULT_PORT + "; 0 picks a free one)")
    String port;

    @Option(
        names = "--host",
        paramLabel = "ADDR",
        description = "the address to listen on (default 127.0.0.1: this machine only)")
    String host;

    @Mixin Options.Llm llm = new Options.Llm();

    Serve(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      if (keys == null) {
        throw new UsageException(
            "serve needs --keys FILE: the API keys, each with the one scope it reaches (see"
                + " docs/mcp.md)");
      }
      int p = port == null ? EngramMcp.DEFAULT_PORT : Commands.whole("--port", port, 0, 65535);
      ApiKeys apiKeys = ApiKeys.load(keys);
      stores.llmKind(llm); // a mistaken --llm is a usage error before the store is opened
      MemoryStore store = open(stores, where, llm);
      HttpMcpServer server;
      try {
        HttpMcpServer.Builder builder = HttpMcpServer.builder(store, apiKeys).port(p);
        if (host != null) {
          builder.host(host);
        }
        server = builder.start();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      Runnable shutdown = closer(server, store, cli.err);
      CountDownLatch stopped = new CountDownLatch(1);
      Thread hook = hook(shutdown, stopped);
      cli.err.println(
          "engram serve: MCP endpoint "
              + server.endpoint()
              + ", "
              + apiKeys.size()
              + " API key(s) from "
              + keys
              + ", store "
              + stores.storeDir(where)
              + ", "
              + llmNote(stores, llm));
      try {
        stopped.await(); // until SIGTERM or Ctrl-C runs the hook
      } catch (InterruptedException e) {
        // Stopped from inside the process (an embedding application, a test): close as on SIGTERM.
        Thread.currentThread().interrupt();
      } finally {
        shutdown.run();
        removeHook(hook);
      }
      return 0;
    }
  }
}
