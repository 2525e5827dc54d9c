package dev.engram.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.llm.LlmPipeline;
import dev.engram.memory.Scope;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP server's own behaviour: authentication, sessions, tool arguments, pipeline, drain. */
class HttpMcpServerTest {
  private final String aliceKey = Keys.random();
  private final String bobKey = Keys.random();
  private final ApiKeys keys =
      ApiKeys.of(Map.of(aliceKey, Scope.user("alice"), bobKey, Scope.user("bob")));
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(toClose);
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    toClose.add(c);
    return c;
  }

  private HttpMcpServer serve(MemoryStore store) {
    closeLater(store);
    return closeLater(HttpMcpServer.builder(store, keys).port(0).start());
  }

  private static HttpResponse<String> post(
      HttpMcpServer server, String key, String session, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(server.endpoint())
            .timeout(McpSession.TIMEOUT)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (session != null) {
      b.header("Mcp-Session-Id", session);
    }
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private static final String INITIALIZE =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

  private static final String LIST_TOOLS =
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{}}";

  @Test
  void requestsWithoutAValidKey_get401BeforeReachingMcp() throws Exception {
    HttpMcpServer server = serve(Engram.inMemory());
    for (String key : new String[] {null, "", Keys.random(), aliceKey + "x", "short"}) {
      HttpResponse<String> r = post(server, key, null, INITIALIZE);
      assertEquals(401, r.statusCode(), "key " + key);
      assertEquals(
          "Bearer realm=\"engram\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
      assertTrue(r.body().contains("Authorization: Bearer"), r.body());
    }
    assertEquals(200, post(server, aliceKey, null, INITIALIZE).statusCode());
  }

  @Test
  void aSessionStaysWithTheKeyThatOpenedIt() throws Exception {
    HttpMcpServer server = serve(Engram.inMemory());
    HttpResponse<String> init = post(server, aliceKey, null, INITIALIZE);
    assertEquals(200, init.statusCode(), init.body());
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();

    HttpResponse<String> asBob = post(server, bobKey, session, LIST_TOOLS);
    assertEquals(404, asBob.statusCode(), asBob.body());
    HttpResponse<String> asAlice = post(server, aliceKey, session, LIST_TOOLS);
    assertEquals(200, asAlice.statusCode(), asAlice.body());
    assertTrue(asAlice.body().contains("search_memory"), asAlice.body());
  }

  @Test
  @SuppressWarnings("unchecked")
  void listPagesWithCursors_andBadArgumentsAreToolErrorsNamingTheArgument() {
    HttpMcpServer server = serve(Engram.inMemory());
    try (McpSession alice = McpSession.http(server, aliceKey)) {
      for (int i = 1; i <= 5; i++) {
        alice.add("fact number " + i);
      }
      Map<String, Object> first = alice.ok("list_memories", "limit", 2);
      assertEquals(2, ((List<?>) first.get("memories")).size());
      assertNotNull(first.get("next_cursor"));
      assertEquals(
          List.of(
              "fact number 1", "fact number 2", "fact number 3", "fact number 4", "fact number 5"),
          alice.listTexts());
      Map<String, Object> last = alice.ok("list_memories", "limit", 1000);
      assertNull(last.get("next_cursor"));

      assertEquals(3, alice.searchTexts("fact number", "limit", 3).size());
      assertTrue(alice.refused("search_memory", "query", "x", "limit", 0).contains("limit"));
      assertTrue(alice.refused("search_memory", "query", "x", "limit", 101).contains("limit"));
      assertTrue(alice.refused("add_memory", "metadata", Map.of("a", "b")).contains("text"));
      assertEquals("text must not be blank", alice.refused("add_memory", "text", "   "));
      assertTrue(alice.refused("list_memories", "cursor", "not-a-cursor").contains("cursor"));
      assertEquals(
          "No memory has the id \"../../etc\".",
          alice.refused("memory_history", "id", "../../etc"));

      Map<String, Object> added =
          alice.ok("add_memory", "text", "I moved to Porto", "metadata", Map.of("source", "chat"));
      Map<String, Object> memory = ((List<Map<String, Object>>) added.get("memories")).get(0);
      assertEquals("chat", ((Map<String, Object>) memory.get("metadata")).get("source"));
      assertEquals("not_run", ((Map<String, Object>) added.get("pipeline")).get("status"));
      assertEquals(
          List.of(Map.of("type", "add", "memory_id", memory.get("id"))), added.get("events"));
    }
  }

  /** A model that answers every extraction with one fact, and records what it was asked. */
  private static final class FactModel implements ChatModel {
    final List<String> userTexts = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch called = new CountDownLatch(1);
    final CountDownLatch release;

    FactModel(CountDownLatch release) {
      this.release = release;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
      for (ChatMessage m : request.messages()) {
        if (m instanceof UserMessage u) {
          userTexts.add(u.singleText());
        }
      }
      called.countDown();
      try {
        if (!release.await(McpSession.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the model");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return ChatResponse.builder()
          .aiMessage(
              AiMessage.from(
                  "{\"facts\": [{\"text\": \"Alice is allergic to peanuts\", \"about\": \"user\","
                      + " \"kind\": \"semantic\", \"importance\": 9, \"keywords\": [\"peanut\","
                      + " \"allergy\", \"food\"], \"tags\": [\"health\"], \"context\": \"diet\","
                      + " \"sources\": [1]}]}"))
          .tokenUsage(new TokenUsage(100, 20))
          .build();
    }
  }

  private static MemoryStore storeWithPipeline(ChatModel model) {
    return Engram.builder()
        .pipeline(
            LlmPipeline.builder(model).consolidation(false).linking(false).evolution(false).build())
        .build();
  }

  @Test
  @SuppressWarnings("unchecked")
  void anAddThroughMcp_goesThroughTheStoresPipeline() {
    FactModel model = new FactModel(new CountDownLatch(0));
    HttpMcpServer server = serve(storeWithPipeline(model));
    try (McpSession alice = McpSession.http(server, aliceKey)) {
      Map<String, Object> added = alice.ok("add_memory", "text", "btw I can't eat peanuts at all");
      Map<String, Object> pipeline = (Map<String, Object>) added.get("pipeline");
      assertEquals("applied", pipeline.get("status"));
      assertEquals(1, pipeline.get("llm_calls"));
      assertEquals(100, pipeline.get("input_tokens"));
      assertTrue(
          model.userTexts.stream().anyMatch(t -> t.contains("btw I can't eat peanuts at all")),
          "the model saw the text: " + model.userTexts);
      List<String> texts =
          ((List<Map<String, Object>>) added.get("memories"))
              .stream().map(m -> (String) m.get("text")).toList();
      assertTrue(texts.contains("Alice is allergic to peanuts"), texts.toString());
      assertTrue(alice.searchTexts("peanuts").contains("Alice is allergic to peanuts"));
    }
  }

  @Test
  void closing_waitsForAcceptedCalls_andRefusesNewOnes() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    FactModel model = new FactModel(release);
    MemoryStore store = closeLater(storeWithPipeline(model));
    HttpMcpServer server = HttpMcpServer.builder(store, keys).port(0).start();
    McpSession alice = McpSession.http(server, aliceKey);
    // Own threads: the common pool may have a single worker on a 2-core machine, and the client
    // completes its own futures there.
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      CompletableFuture<CallToolResult> add =
          CompletableFuture.supplyAsync(
              () -> alice.call("add_memory", "text", "I can't eat peanuts"), threads);
      assertTrue(model.called.await(McpSession.TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      assertEquals(1, server.runningCalls());

      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, threads);
      // close() must not return while the accepted add is still inside the model.
      assertThrows(
          java.util.concurrent.TimeoutException.class,
          () -> closing.get(200, TimeUnit.MILLISECONDS));
      assertFalse(closing.isDone());
      // While it waits, new requests are turned away.
      HttpResponse<String> late = post(server, aliceKey, null, INITIALIZE);
      assertEquals(503, late.statusCode(), late.body());
      release.countDown();
      CallToolResult r = add.get(McpSession.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertFalse(Boolean.TRUE.equals(r.isError()), McpSession.text(r));
      closing.get(McpSession.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(0, server.runningCalls());
      assertEquals(2, store.stats(Scope.user("alice")).total(), "episode and fact were stored");
    } finally {
      threads.shutdownNow();
      alice.client.close();
      server.close();
    }
  }

  @Test
  void aTakenPort_isAClearError() {
    HttpMcpServer first = serve(Engram.inMemory());
    MemoryStore other = closeLater(Engram.inMemory());
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> HttpMcpServer.builder(other, keys).port(first.port()).start());
    assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
  }

  @Test
  void builderRejectsBadOptionsAtTheSetter() {
    MemoryStore store = closeLater(Engram.inMemory());
    HttpMcpServer.Builder b = HttpMcpServer.builder(store, keys);
    assertEquals(
        "port must be between 0 and 65535, got 70000",
        assertThrows(IllegalArgumentException.class, () -> b.port(70000)).getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> b.path("mcp"))
            .getMessage()
            .startsWith("path must start with /"));
    assertEquals(
        "drainTimeout must not be negative, got PT-1S",
        assertThrows(
                IllegalArgumentException.class,
                () -> b.drainTimeout(java.time.Duration.ofSeconds(-1)))
            .getMessage());
  }
}
