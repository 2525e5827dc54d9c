package dev.engram.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.llm.LlmPipeline;
import dev.engram.llm.testing.LoopbackLlmServer;
import dev.engram.memory.Kind;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline sample of docs/pipeline.md, against a loopback OpenAI-compatible server. */
class PipelineDocTest {
  @TempDir Path path;

  @Test
  void thePipelineSampleWorksAgainstAnOpenAiCompatibleEndpoint() {
    try (LoopbackLlmServer server = LoopbackLlmServer.start()) {
      server.respondWith(
          r ->
              "{\"facts\": [{\"text\": \"Alice moved to Porto in the week before 24 November 2026\","
                  + " \"about\": \"user\", \"kind\": \"semantic\", \"importance\": 7, \"keywords\":"
                  + " [\"Porto\"], \"tags\": [\"home\"], \"context\": \"moving\", \"sources\": [1]}]}");
      String baseUrl = server.openAiBaseUrl();
      // docs/pipeline.md
      ChatModel model =
          OpenAiChatModel.builder()
              .baseUrl(baseUrl)
              .apiKey(System.getenv().getOrDefault("OPENAI_API_KEY", "test-key"))
              .modelName("gpt-4o-mini")
              .build();
      MemoryStore memory =
          Engram.builder()
              .backend(EmbeddedMemory.backend(path).build())
              .pipeline(LlmPipeline.builder(model).build())
              .build();
      memory.add(Scope.user("alice"), "I moved to Porto last week");
      // end
      try (memory) {
        assertTrue(
            memory.search(Scope.user("alice"), "where does Alice live").stream()
                .anyMatch(h -> h.memory().kind() == Kind.SEMANTIC && h.text().contains("Porto")));
        assertEquals("/v1/chat/completions", server.requests().get(0).path());
      }
    }
  }
}
