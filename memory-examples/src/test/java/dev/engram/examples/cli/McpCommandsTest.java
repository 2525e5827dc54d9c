package dev.engram.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.llm.Prompts;
import dev.engram.llm.testing.LoopbackLlmServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapperSupplier;
import io.modelcontextprotocol.json.schema.jackson2.JacksonJsonSchemaValidatorSupplier;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code engram mcp} and {@code engram serve} driven by the MCP SDK's own client, as two tenants:
 * alice stores (through the LLM pipeline the CLI's flags configure, answered by a loopback fake)
 * and recalls; bob, with alice's id in the arguments, is refused, and without it sees nothing of
 * hers.
 */
class McpCommandsTest {
  private static final McpJsonMapper JSON = new JacksonMcpJsonMapperSupplier().get();

  /** Generous: the servers load the embedding model on a shared 2-core machine. */
  private static final Duration TIMEOUT = Duration.ofSeconds(180);

  private static final String ALICE_KEY = "a".repeat(40);
  private static final String BOB_KEY = "b".repeat(40);

  @TempDir Path dir;
  private LoopbackLlmServer llm;

  @BeforeEach
  void fakeLlm() {
    llm = LoopbackLlmServer.start();
    // Extracts alice's fact from her sentence and nothing from anyone else's.
    llm.respondWith(
        r -> {
          if (!r.messageTexts().get(0).equals(Prompts.defaults().extract())) {
            return "{\"decisions\": []}";
          }
          return String.join("\n", r.messageTexts()).contains("I am allergic to peanuts")
              ? "{\"facts\": [{\"text\": \"alice is allergic to peanuts\", \"about\": \"user\","
                  + " \"kind\": \"semantic\", \"importance\": 8, \"keywords\": [\"peanuts\"],"
                  + " \"tags\": [\"health\"], \"context\": \"allergies\", \"sources\": [1]}]}"
              : "{\"facts\": []}";
        });
  }

  @AfterEach
  void stopLlm() {
    llm.close();
  }

  private String store() {
    return dir.resolve("store").toString();
  }

  // --------------------------------------------------------------------------- stdio

  /** The command line of an {@code engram mcp} process, as an MCP client launches one. */
  private List<String> mcpCommand(String user, String... more) {
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            ProcessHandle.current().info().command().orElseThrow(),
            "--add-modules",
            "jdk.incubator.vector",
            "-cp",
            System.getProperty("java.class.path"),
            Cli.class.getName(),
            "mcp",
            "--store",
            store(),
            "--user",
            user));
    command.addAll(List.of(more));
    return command;
  }

  private Session stdio(String user, String... more) {
    awaitServerProcessesExited(); // the previous session's process holds the store's lock
    List<String> command = mcpCommand(user, more);
    StdioClientTransport transport =
        new StdioClientTransport(
            ServerParameters.builder(command.get(0))
                .args(command.subList(1, command.size()))
                .addEnvVar("OPENAI_API_KEY", "test-key")
                .build(),
            JSON);
    transport.setStdErrorHandler(line -> System.err.println("[engram mcp " + user + "] " + line));
    return new Session(transport) {
      @Override
      public void close() {
        super.close();
        awaitServerProcessesExited();
      }
    };
  }

  @Test
  void mcp_aliceStoresThroughThePipelineAndRecalls_bobWithAlicesIdSeesNothingOfHers() {
    String peanuts;
    try (Session alice = stdio("alice", "--llm", "openai", "--base-url", llm.openAiBaseUrl())) {
      peanuts = aliceAddsThroughThePipelineAndRecalls(alice);
    }
    try (Session bob = stdio("bob")) {
      bobSeesNothingOfAlices(bob, peanuts);
    }
    try (Session alice = stdio("alice")) {
      assertTrue(
          alice.listTexts().contains("alice is allergic to peanuts"), alice.listTexts()::toString);
      assertFalse(alice.listTexts().contains("bob likes hiking"));
    }
  }

  @Test
  void mcp_printsNothingButProtocolOnStandardOutput() throws Exception {
    Process process = new ProcessBuilder(mcpCommand("alice")).start();
    CompletableFuture<String> stderr =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    try {
      OutputStream in = process.getOutputStream();
      in.write(
          ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                  + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
                  + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}\n"
                  + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
                  + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                  + "\"name\":\"add_memory\",\"arguments\":{\"text\":\"I like tea\"}}}\n")
              .getBytes(StandardCharsets.UTF_8));
      in.flush();
      // Wait for the answer to the call before closing the input, which ends the session.
      BufferedReader stdout =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      List<JsonNode> messages = new ArrayList<>();
      ObjectMapper mapper = new ObjectMapper();
      String line;
      while (messages.stream().noneMatch(m -> m.path("id").asInt() == 2)
          && (line = stdout.readLine()) != null) {
        messages.add(mapper.readTree(line)); // anything but JSON fails here
      }
      in.close();
      while ((line = stdout.readLine()) != null) {
        messages.add(mapper.readTree(line));
      }
      assertTrue(process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the server did not exit");
      assertEquals(0, process.exitValue(), stderr.get());
      for (JsonNode m : messages) {
        assertEquals("2.0", m.path("jsonrpc").asText(), m.toString());
      }
      JsonNode call =
          messages.stream().filter(m -> m.path("id").asInt() == 2).findFirst().orElseThrow();
      assertFalse(call.path("result").path("isError").asBoolean(), call.toString());
      assertTrue(
          stderr.get().contains("engram mcp: serving Scope[user=alice]"),
          "the start is announced on stderr: " + stderr.get());
    } finally {
      process.destroyForcibly();
    }
  }

  private static void awaitServerProcessesExited() {
    for (ProcessHandle child : ProcessHandle.current().children().toList()) {
      try {
        child.onExit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("the server process " + child.pid() + " did not exit", e);
      }
    }
  }

  // --------------------------------------------------------------------------- HTTP

  @Test
  void serve_eachKeyReachesItsOwnScope_andStoppingClosesTheStore() throws Exception {
    Path keys = dir.resolve("keys.txt");
    Files.writeString(
        keys,
        "# key  scope\n" + ALICE_KEY + "  user=alice\n" + BOB_KEY + "  user=bob\n",
        StandardCharsets.UTF_8);
    Map<String, String> env =
        Map.of(
            "ENGRAM_LLM", "openai",
            "OPENAI_API_KEY", "test-key",
            "OPENAI_BASE_URL", llm.openAiBaseUrl());
    Watched err = new Watched();
    AtomicInteger code = new AtomicInteger(-1);
    Thread server =
        new Thread(
            () ->
                code.set(
                    new Cli(
                            new ByteArrayInputStream(new byte[0]),
                            new PrintStream(
                                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                            new PrintStream(err, true, StandardCharsets.UTF_8),
                            new Stores(env))
                        .run(
                            "serve", "--store", store(), "--keys", keys.toString(), "--port", "0")),
            "engram-serve-test");
    server.start();
    URI endpoint =
        URI.create(err.await(Pattern.compile("MCP endpoint (http://\\S+/mcp),")).group(1));
    assertTrue(
        err.text().contains("LLM openai gpt-4o-mini (adds through the pipeline)"), err.text());

    String peanuts;
    try (Session alice = http(endpoint, ALICE_KEY)) {
      peanuts = aliceAddsThroughThePipelineAndRecalls(alice);
    }
    try (Session bob = http(endpoint, BOB_KEY)) {
      bobSeesNothingOfAlices(bob, peanuts);
    }
    // A key not in the file: 401 before the MCP transport sees the request.
    assertThrows(RuntimeException.class, () -> http(endpoint, "c".repeat(40)));

    server.interrupt(); // as SIGTERM would: drain, close the server and the store
    server.join(TIMEOUT.toMillis());
    assertFalse(server.isAlive(), "serve did not stop");
    assertEquals(0, code.get(), err.text());

    // The store was closed (its lock released): the CLI opens it and finds alice's memory there.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int listed =
        new Cli(
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new Stores(Map.of()))
            .run("list", "--store", store(), "--user", "alice");
    assertEquals(0, listed);
    assertTrue(
        out.toString(StandardCharsets.UTF_8).contains("alice is allergic to peanuts"),
        out::toString);
  }

  @Test
  void serve_needsAKeyFile_andReportsABadOneInOneLine() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Cli cli =
        new Cli(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new Stores(Map.of()));
    assertEquals(2, cli.run("serve", "--store", store()));
    assertEquals(
        "engram: serve needs --keys FILE: the API keys, each with the one scope it reaches (see"
            + " docs/mcp.md)\n",
        err.toString(StandardCharsets.UTF_8));

    Path keys = dir.resolve("keys.txt");
    Files.writeString(keys, "short user=alice\n", StandardCharsets.UTF_8);
    err.reset();
    assertEquals(1, cli.run("serve", "--store", store(), "--keys", keys.toString()));
    assertTrue(
        err.toString(StandardCharsets.UTF_8).startsWith("engram: " + keys + " line 1"),
        err::toString);
    assertFalse(Files.exists(dir.resolve("store")), "nothing is created for a bad key file");

    err.reset();
    assertEquals(2, cli.run("serve", "--keys", keys.toString(), "--port", "70000"));
    assertEquals(
        "engram: --port must be a number from 0 to 65535, got '70000'\n",
        err.toString(StandardCharsets.UTF_8));
  }

  private static Session http(URI endpoint, String key) {
    return new Session(
        HttpClientStreamableHttpTransport.builder(
                endpoint.getScheme() + "://" + endpoint.getHost() + ":" + endpoint.getPort())
            .endpoint(endpoint.getPath())
            .jsonMapper(JSON)
            .connectTimeout(TIMEOUT)
            .addHttpRequestCustomizer(
                (request, method, uri, body, context) ->
                    request.header("Authorization", "Bearer " + key))
            .build());
  }

  // --------------------------------------------------------------------------- the tenants

  /** Alice's add runs the pipeline (the fact it extracts is stored) and she recalls it. */
  @SuppressWarnings("unchecked")
  private String aliceAddsThroughThePipelineAndRecalls(Session alice) {
    Map<String, Object> added = alice.ok("add_memory", "text", "I am allergic to peanuts");
    Map<String, Object> pipeline = (Map<String, Object>) added.get("pipeline");
    assertEquals("applied", pipeline.get("status"), added::toString);
    assertTrue(((Number) pipeline.get("llm_calls")).intValue() >= 1, added::toString);
    assertTrue(
        llm.requests().stream()
            .anyMatch(
                r -> String.join("\n", r.messageTexts()).contains("I am allergic to peanuts")),
        "the LLM was sent the text");
    String fact =
        ((List<Map<String, Object>>) added.get("memories"))
            .stream()
                .filter(m -> m.get("text").equals("alice is allergic to peanuts"))
                .map(m -> (String) m.get("id"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no extracted fact in " + added));
    assertTrue(
        alice.searchTexts("peanut allergy").contains("alice is allergic to peanuts"),
        () -> alice.searchTexts("peanut allergy").toString());
    return fact;
  }

  /** Bob is refused when he names alice, and otherwise sees, deletes and reads none of hers. */
  private static void bobSeesNothingOfAlices(Session bob, String peanuts) {
    for (String argument : List.of("user_id", "userId", "agent_id")) {
      String message = bob.refused("search_memory", "query", "peanut allergy", argument, "alice");
      assertTrue(message.contains("cannot choose whose memory"), message);
    }
    bob.refused("add_memory", "text", "alice is allergic to nothing", "user_id", "alice");
    assertEquals(List.of(), bob.searchTexts("peanut allergy"));
    assertEquals(List.of(), bob.listTexts());
    assertEquals(
        "No memory has the id \"" + peanuts + "\".", bob.refused("delete_memory", "id", peanuts));
    assertEquals(
        "No memory has the id \"" + peanuts + "\".", bob.refused("memory_history", "id", peanuts));
    bob.ok("add_memory", "text", "bob likes hiking");
    assertFalse(bob.listTexts().contains("alice is allergic to peanuts"));
  }

  /** A session of the SDK's client that validates structured results against their schemas. */
  private static class Session implements AutoCloseable {
    final McpSyncClient client;

    Session(McpClientTransport transport) {
      client =
          McpClient.sync(transport)
              .requestTimeout(TIMEOUT)
              .initializationTimeout(TIMEOUT)
              .jsonSchemaValidator(new JacksonJsonSchemaValidatorSupplier().get())
              .build();
      client.initialize();
    }

    CallToolResult call(String tool, Object... keysAndValues) {
      Map<String, Object> args = new HashMap<>();
      for (int i = 0; i < keysAndValues.length; i += 2) {
        args.put((String) keysAndValues[i], keysAndValues[i + 1]);
      }
      return client.callTool(McpSchema.CallToolRequest.builder(tool).arguments(args).build());
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> ok(String tool, Object... keysAndValues) {
      CallToolResult r = call(tool, keysAndValues);
      assertFalse(Boolean.TRUE.equals(r.isError()), () -> tool + " failed: " + text(r));
      return (Map<String, Object>) r.structuredContent();
    }

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

    @SuppressWarnings("unchecked")
    List<String> searchTexts(String query) {
      return ((List<Map<String, Object>>) ok("search_memory", "query", query).get("results"))
          .stream().map(m -> (String) m.get("text")).toList();
    }

    @SuppressWarnings("unchecked")
    List<String> listTexts() {
      return ((List<Map<String, Object>>) ok("list_memories", "limit", 1000).get("memories"))
          .stream().map(m -> (String) m.get("text")).toList();
    }

    @Override
    public void close() {
      client.closeGracefully();
    }
  }

  /** A stream a test can wait on for a line that matches, without sleeping. */
  private static final class Watched extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      bytes.write(b);
      notifyAll();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      bytes.write(b, off, len);
      notifyAll();
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }

    synchronized Matcher await(Pattern pattern) throws InterruptedException {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (true) {
        Matcher m = pattern.matcher(text());
        if (m.find()) {
          return m;
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError("never printed " + pattern + "; printed: " + text());
        }
        wait(left);
      }
    }
  }
}
