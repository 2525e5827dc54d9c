package dev.engram.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.PipelineOutcome;
import dev.engram.llm.testing.LoopbackLlmServer;
import dev.engram.llm.testing.LoopbackLlmServer.Step;
import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline through the real langchain4j OpenAI and Ollama clients, against a loopback server
 * replaying realistic answers, failures included.
 */
class WirePathTest {
  private static final Scope ALICE = Scope.user("alice").withSession("chat-1");
  private static final String FACTS =
      "{\"facts\": [{\"text\": \"Alice is training for the Lisbon marathon in October 2025\","
          + " \"about\": \"user\", \"kind\": \"semantic\", \"importance\": 6, \"keywords\":"
          + " [\"marathon\", \"Lisbon\", \"training\"], \"tags\": [\"sport\"], \"context\": \"fitness"
          + " goals\", \"sources\": [1]}]}";

  private final LoopbackLlmServer server = LoopbackLlmServer.start();

  @AfterEach
  void stop() {
    server.close();
  }

  private OpenAiChatModel.OpenAiChatModelBuilder openAi() {
    return OpenAiChatModel.builder()
        .baseUrl(server.openAiBaseUrl())
        .apiKey("test-key")
        .modelName("gpt-4o-mini")
        .timeout(Duration.ofSeconds(5))
        .maxRetries(0);
  }

  private OllamaChatModel.OllamaChatModelBuilder ollama() {
    return OllamaChatModel.builder()
        .baseUrl(server.ollamaBaseUrl())
        .modelName("llama3.1")
        .timeout(Duration.ofSeconds(5))
        .maxRetries(0);
  }

  private static MemoryStore storeWith(ChatModel model) {
    return Engram.builder()
        .pipeline(LlmPipeline.builder(model).keepEpisodes(false).build())
        .build();
  }

  private static AddRequest message() {
    return AddRequest.builder(ALICE)
        .message(
            Message.user("I'm training for the Lisbon marathon in October!")
                .withId("m-1")
                .withObservedAt(Instant.parse("2025-03-02T09:00:00Z")))
        .build();
  }

  @Test
  void openAi_factsArriveThroughTheRealClient_withTokenUsage() {
    server.respondWith(r -> FACTS);
    try (MemoryStore store = storeWith(openAi().build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      Memory fact = r.added().get(0);
      assertEquals("Alice is training for the Lisbon marathon in October 2025", fact.text());
      assertEquals(List.of("m-1"), fact.sources());
      assertTrue(r.pipeline().usage().inputTokens() > 0);
      assertTrue(r.pipeline().usage().outputTokens() > 0);
    }
    LoopbackLlmServer.Request request = server.requests().get(0);
    assertEquals("/v1/chat/completions", request.path());
    assertEquals(List.of("Bearer test-key"), request.headers().get("Authorization"));
    assertEquals(Prompts.defaults().extract(), request.messageTexts().get(0));
    assertTrue(request.messageTexts().get(1).contains("I'm training for the Lisbon marathon"));
  }

  @Test
  void docsSample_openAi_declaresTheSchemaCapability_soTheSchemaIsSentStrictly() {
    server.respondWith(r -> FACTS);
    String baseUrl = server.openAiBaseUrl();
    // docs/pipeline.md
    ChatModel model =
        OpenAiChatModel.builder()
            .baseUrl(baseUrl)
            .apiKey(System.getenv().getOrDefault("OPENAI_API_KEY", "test-key"))
            .modelName("gpt-4o-mini")
            .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
            .strictJsonSchema(true)
            .build();
    // end
    try (MemoryStore store = storeWith(model)) {
      assertEquals(PipelineOutcome.Status.APPLIED, store.add(message()).pipeline().status());
    }
    var format = server.requests().get(0).responseFormat();
    assertEquals("json_schema", format.path("type").asText());
    assertEquals("facts", format.path("json_schema").path("name").asText());
    assertTrue(format.path("json_schema").path("strict").asBoolean(), format.toString());
    assertTrue(format.path("json_schema").path("schema").path("properties").has("facts"));
  }

  @Test
  void docsSample_ollama_declaresTheSchemaCapability_soTheSchemaIsSent() {
    server.respondWith(r -> FACTS);
    String baseUrl = server.ollamaBaseUrl();
    // docs/pipeline.md
    ChatModel model =
        OllamaChatModel.builder()
            .baseUrl(baseUrl)
            .modelName("llama3.1")
            .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
            .build();
    // end
    try (MemoryStore store = storeWith(model)) {
      assertEquals(PipelineOutcome.Status.APPLIED, store.add(message()).pipeline().status());
    }
    assertTrue(server.requests().get(0).responseFormat().path("properties").has("facts"));
  }

  @Test
  void openAi_withoutDeclaredCapabilities_autoSendsNoSchema() {
    server.respondWith(r -> FACTS);
    ChatModel model = openAi().build();
    assertTrue(model.supportedCapabilities().isEmpty(), "langchain4j declares nothing by default");
    try (MemoryStore store = storeWith(model)) {
      assertEquals(PipelineOutcome.Status.APPLIED, store.add(message()).pipeline().status());
    }
    assertTrue(server.requests().get(0).responseFormat().isMissingNode());
  }

  @Test
  void openAi_structuredOutputAlways_sendsTheSchemaThoughTheModelDeclaresNothing() {
    server.respondWith(r -> FACTS);
    try (MemoryStore store =
        Engram.builder()
            .pipeline(
                LlmPipeline.builder(openAi().build())
                    .structuredOutput(LlmPipeline.StructuredOutput.ALWAYS)
                    .keepEpisodes(false)
                    .build())
            .build()) {
      assertEquals(PipelineOutcome.Status.APPLIED, store.add(message()).pipeline().status());
    }
    var format = server.requests().get(0).responseFormat();
    assertEquals("json_schema", format.path("type").asText());
    assertEquals("facts", format.path("json_schema").path("name").asText());
  }

  @Test
  void ollama_structuredOutputAlways_sendsTheSchemaThoughTheModelDeclaresNothing() {
    server.respondWith(r -> FACTS);
    try (MemoryStore store =
        Engram.builder()
            .pipeline(
                LlmPipeline.builder(ollama().build())
                    .structuredOutput(LlmPipeline.StructuredOutput.ALWAYS)
                    .keepEpisodes(false)
                    .build())
            .build()) {
      assertEquals(PipelineOutcome.Status.APPLIED, store.add(message()).pipeline().status());
    }
    assertTrue(server.requests().get(0).responseFormat().path("properties").has("facts"));
  }

  @Test
  void openAi_malformedContentIsRetriedOnce() {
    server.then(Step.reply("```json\n{\"facts\": [{\"text\": \"unterminated"), Step.reply(FACTS));
    try (MemoryStore store = storeWith(openAi().build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      assertEquals(2, r.pipeline().usage().llmCalls());
    }
    List<String> retry = server.requests().get(1).messageTexts();
    assertTrue(retry.get(retry.size() - 1).startsWith("That reply could not be used"));
  }

  @Test
  void openAi_rateLimited_theClientRetries_thenTheFactIsStored() {
    server.then(Step.error(429, "Rate limit reached for gpt-4o-mini"), Step.reply(FACTS));
    try (MemoryStore store = storeWith(openAi().maxRetries(1).build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      assertEquals(Kind.SEMANTIC, r.added().get(0).kind());
    }
    assertEquals(2, server.requests().size());
  }

  @Test
  void openAi_rateLimitedWithoutRetries_keepsTheRawMessage() {
    server.then(Step.error(429, "Rate limit reached for gpt-4o-mini"));
    try (MemoryStore store = storeWith(openAi().build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertTrue(
          r.pipeline().detail().startsWith("extract failed: RateLimitException"),
          r.pipeline().detail());
      assertEquals(
          List.of("I'm training for the Lisbon marathon in October!"),
          r.added().stream().map(Memory::text).toList());
      assertEquals(1, r.pipeline().usage().llmCalls());
    }
  }

  @Test
  void openAi_serverError_keepsTheRawMessage() {
    server.then(Step.error(500, "The server had an error while processing your request"));
    try (MemoryStore store = storeWith(openAi().build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertTrue(
          r.pipeline().detail().startsWith("extract failed: InternalServerException"),
          r.pipeline().detail());
      assertEquals(1, r.added().size());
    }
  }

  @Test
  void openAi_timeout_keepsTheRawMessage() {
    server.then(Step.reply(FACTS).delayed(3_000));
    try (MemoryStore store = storeWith(openAi().timeout(Duration.ofMillis(300)).build())) {
      long start = System.nanoTime();
      AddResult r = store.add(message());
      assertTrue(
          Duration.ofNanos(System.nanoTime() - start).toMillis() < 2_500,
          "the add waited for the slow server");
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertTrue(r.pipeline().detail().contains("TimeoutException"), r.pipeline().detail());
      assertEquals(1, r.added().size());
    }
  }

  @Test
  void openAi_aBodyThatIsNotTheWireFormat_keepsTheRawMessage() {
    server.then(Step.malformed("<html>502 Bad Gateway</html>"));
    try (MemoryStore store = storeWith(openAi().build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(1, r.added().size());
    }
  }

  @Test
  void ollama_factsArriveThroughTheRealClient() {
    server.respondWith(r -> FACTS);
    ChatModel model =
        OllamaChatModel.builder()
            .baseUrl(server.ollamaBaseUrl())
            .modelName("llama3.1")
            .timeout(Duration.ofSeconds(5))
            .maxRetries(0)
            .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
            .build();
    try (MemoryStore store = storeWith(model)) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      assertEquals(
          "Alice is training for the Lisbon marathon in October 2025", r.added().get(0).text());
      assertTrue(r.pipeline().usage().inputTokens() > 0);
    }
    LoopbackLlmServer.Request request = server.requests().get(0);
    assertEquals("/api/chat", request.path());
    assertEquals(false, request.body().path("stream").asBoolean(true));
    assertTrue(request.responseFormat().path("properties").has("facts"), request.body().toString());
  }

  @Test
  void ollama_serverError_keepsTheRawMessage() {
    server.then(new Step(500, null, "{\"error\":\"model 'llama3.1' not found\"}", 0, Map.of()));
    try (MemoryStore store = storeWith(ollama().build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertEquals(1, r.added().size());
    }
  }

  @Test
  void ollama_malformedContentIsRetriedOnce() {
    server.then(
        Step.reply("<think>let me see</think> {\"facts\": [{\"text\": "), Step.reply(FACTS));
    try (MemoryStore store = storeWith(ollama().build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      assertEquals(2, r.pipeline().usage().llmCalls());
      assertEquals(
          "Alice is training for the Lisbon marathon in October 2025", r.added().get(0).text());
    }
    List<String> retry = server.requests().get(1).messageTexts();
    assertTrue(retry.get(retry.size() - 1).startsWith("That reply could not be used"));
  }

  @Test
  void ollama_rateLimited_keepsTheRawMessage() {
    server.then(new Step(429, null, "{\"error\":\"too many requests\"}", 0, Map.of()));
    try (MemoryStore store = storeWith(ollama().build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertTrue(
          r.pipeline().detail().startsWith("extract failed: RateLimitException"),
          r.pipeline().detail());
      assertEquals(
          List.of("I'm training for the Lisbon marathon in October!"),
          r.added().stream().map(Memory::text).toList());
    }
  }

  @Test
  void ollama_timeout_keepsTheRawMessage() {
    server.then(Step.reply(FACTS).delayed(3_000));
    try (MemoryStore store = storeWith(ollama().timeout(Duration.ofMillis(300)).build())) {
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertTrue(r.pipeline().detail().startsWith("extract failed: "), r.pipeline().detail());
      assertEquals(1, r.added().size());
    }
  }

  private static final String ADD_RELATED =
      "{\"decisions\": [{\"fact\": 1, \"action\": \"ADD\", \"target\": \"\", \"text\": \"\","
          + " \"related\": [\"0\"], \"reason\": \"new\"}]}";

  private static void seedSimilar(MemoryStore store) {
    store.add(
        AddRequest.builder(ALICE)
            .text("Alice ran the Porto half marathon in 2024")
            .kind(Kind.SEMANTIC)
            .infer(false)
            .build());
  }

  @Test
  void openAi_aFailingConsolidateCall_keepsTheRawMessage() {
    server.then(
        Step.reply(FACTS),
        Step.error(500, "The server had an error while processing your request"));
    try (MemoryStore store = storeWith(openAi().build())) {
      seedSimilar(store);
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.FELL_BACK, r.pipeline().status());
      assertTrue(
          r.pipeline().detail().startsWith("consolidate failed: InternalServerException"),
          r.pipeline().detail());
      assertEquals(2, r.pipeline().usage().llmCalls());
      assertTrue(r.pipeline().usage().inputTokens() > 0, "the extract call's tokens are counted");
      assertEquals(
          List.of("I'm training for the Lisbon marathon in October!"),
          r.added().stream().map(Memory::text).toList());
      assertEquals(List.of("m-1"), r.added().get(0).sources());
    }
  }

  @Test
  void openAi_aRateLimitedEvolveCall_keepsTheFactsAsDecided() {
    server.then(
        Step.reply(FACTS),
        Step.reply(ADD_RELATED),
        Step.error(429, "Rate limit reached for gpt-4o-mini"));
    try (MemoryStore store =
        Engram.builder()
            .pipeline(
                LlmPipeline.builder(openAi().build()).keepEpisodes(false).evolution(true).build())
            .build()) {
      seedSimilar(store);
      AddResult r = store.add(message());
      assertEquals(PipelineOutcome.Status.APPLIED, r.pipeline().status());
      assertEquals(
          List.of("Alice is training for the Lisbon marathon in October 2025"),
          r.added().stream().map(Memory::text).toList());
      assertEquals(1, r.added().get(0).links().size());
      assertEquals(3, r.pipeline().usage().llmCalls());
      assertTrue(
          r.pipeline().notes().stream()
              .anyMatch(
                  n ->
                      n.startsWith("evolve failed: RateLimitException")
                          && n.endsWith("; the neighbours were left unchanged")),
          r.pipeline().notes().toString());
    }
    assertEquals(Prompts.defaults().evolve(), server.requests().get(2).messageTexts().get(0));
  }
}
