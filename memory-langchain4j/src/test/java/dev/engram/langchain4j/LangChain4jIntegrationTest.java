package dev.engram.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.PageRequest;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class LangChain4jIntegrationTest {
  interface Assistant {
    String chat(@MemoryId String user, @UserMessage String message);
  }

  /** A model that records what it is sent and answers with what the test decides. */
  static final class ScriptedModel implements ChatModel {
    final List<ChatRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final Function<ChatRequest, AiMessage> script;

    ScriptedModel(Function<ChatRequest, AiMessage> script) {
      this.script = script;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
      requests.add(request);
      return ChatResponse.builder().aiMessage(script.apply(request)).build();
    }

    String lastUserText() {
      List<ChatMessage> messages = requests.get(requests.size() - 1).messages();
      for (int i = messages.size() - 1; i >= 0; i--) {
        if (messages.get(i) instanceof dev.langchain4j.data.message.UserMessage u) {
          return u.singleText();
        }
      }
      return "";
    }
  }

  private static ChatMessage last(ChatRequest r) {
    return r.messages().get(r.messages().size() - 1);
  }

  @Test
  void theRetrieverInjectsOnlyTheCallersMemories() {
    MemoryStore memory = Engram.inMemory();
    memory.add(Scope.user("alice"), "Alice is allergic to peanuts");
    memory.add(Scope.user("bob"), "Bob loves peanuts and peanut butter");
    ScriptedModel model = new ScriptedModel(r -> AiMessage.from("Try the fruit plate."));
    // docs/langchain4j.md: retriever
    EngramChatMemoryStore chatStore = new EngramChatMemoryStore(memory);
    Assistant assistant =
        AiServices.builder(Assistant.class)
            .chatModel(model)
            .chatMemoryProvider(
                id ->
                    MessageWindowChatMemory.builder()
                        .id(id)
                        .maxMessages(10)
                        .chatMemoryStore(chatStore)
                        .build())
            .contentRetriever(EngramContentRetriever.builder(memory).limit(3).build())
            .build();
    // end
    assertEquals(
        "Try the fruit plate.", assistant.chat("alice", "Which peanuts snack should I buy?"));
    String prompt = model.lastUserText();
    assertTrue(prompt.contains("Alice is allergic to peanuts"), prompt);
    assertFalse(prompt.contains("Bob"), "another user's memory reached the prompt: " + prompt);
    assistant.chat("bob", "And for me?");
    assertFalse(model.lastUserText().contains("Alice"), model.lastUserText());
    assertTrue(
        prompt.matches("(?s).*\\[\\d{4}-\\d{2}-\\d{2}] Alice is allergic to peanuts.*"), prompt);
  }

  @Test
  void theRetrieverRefusesToGuessTheUser() {
    MemoryStore memory = Engram.inMemory();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                EngramContentRetriever.builder(memory)
                    .build()
                    .retrieve(dev.langchain4j.rag.query.Query.from("x")));
    assertTrue(e.getMessage().startsWith("EngramContentRetriever needs the chat memory id"));
  }

  private static AiMessage toolCall(String name, String arguments) {
    return AiMessage.from(
        ToolExecutionRequest.builder().id("call-1").name(name).arguments(arguments).build());
  }

  @Test
  void theAgentRemembersRecallsUpdatesAndForgetsThroughTools() {
    MemoryStore memory = Engram.inMemory();
    List<String> toolResults = Collections.synchronizedList(new ArrayList<>());
    List<AiMessage> plan =
        Collections.synchronizedList(
            new ArrayList<>(
                List.of(
                    toolCall("remember", "{\"fact\": \"Alice's favourite colour is green\"}"),
                    AiMessage.from("Noted!"),
                    toolCall("recall", "{\"query\": \"favourite colour\"}"),
                    AiMessage.from("Green."))));
    ScriptedModel model =
        new ScriptedModel(
            r -> {
              if (last(r) instanceof ToolExecutionResultMessage result) {
                toolResults.add(result.text());
              }
              return plan.remove(0);
            });
    // docs/langchain4j.md: tools
    EngramChatMemoryStore chatStore = new EngramChatMemoryStore(memory);
    Assistant assistant =
        AiServices.builder(Assistant.class)
            .chatModel(model)
            .chatMemoryProvider(
                id ->
                    MessageWindowChatMemory.builder()
                        .id(id)
                        .maxMessages(10)
                        .chatMemoryStore(chatStore)
                        .build())
            .tools(new MemoryTools(memory))
            .build();
    // end
    assertEquals("Noted!", assistant.chat("alice", "My favourite colour is green"));
    List<Memory> stored =
        memory
            .list(
                Scope.user("alice").withSession("chat"),
                Filter.eq("tier", Tier.LONG_TERM),
                PageRequest.first())
            .items();
    assertEquals(
        List.of("Alice's favourite colour is green"), stored.stream().map(Memory::text).toList());
    assertEquals(Tier.LONG_TERM, stored.get(0).tier());
    assertEquals("Remembered (id " + stored.get(0).id() + ").", toolResults.get(0));

    assertEquals("Green.", assistant.chat("alice", "What's my favourite colour?"));
    assertTrue(toolResults.get(1).contains(stored.get(0).id() + " | "), toolResults.get(1));
    assertTrue(toolResults.get(1).endsWith("Alice's favourite colour is green"));

    MemoryTools tools = new MemoryTools(memory);
    assertEquals(
        "Updated memory " + stored.get(0).id() + ".",
        tools.updateMemory(
            "alice", stored.get(0).id().value(), "Alice's favourite colour is teal"));
    assertEquals(
        "Alice's favourite colour is teal",
        memory
            .get(Scope.user("alice").withSession("chat"), stored.get(0).id())
            .orElseThrow()
            .text());
    assertEquals(
        "Forgot memory " + stored.get(0).id() + ".",
        tools.forget("alice", stored.get(0).id().value()));
    assertEquals(
        Status.DELETED,
        memory
            .get(Scope.user("alice").withSession("chat"), stored.get(0).id())
            .orElseThrow()
            .status());
  }

  @Test
  void toolsCannotReachAnotherUsersMemory() {
    MemoryStore memory = Engram.inMemory();
    Memory bobs =
        memory
            .add(
                AddRequest.builder(Scope.user("bob").withSession("chat"))
                    .text("Bob's PIN hint is 'blue'")
                    .build())
            .added()
            .get(0);
    MemoryTools tools = new MemoryTools(memory);
    String id = bobs.id().value();
    assertEquals("No memory has the id \"" + id + "\".", tools.forget("alice", id));
    assertEquals("No memory has the id \"" + id + "\".", tools.updateMemory("alice", id, "hacked"));
    assertEquals("No memories match.", tools.recall("alice", "PIN hint"));
    assertEquals("No memory has the id \"not an id!\".", tools.forget("alice", "not an id!"));
    assertEquals(Status.ACTIVE, memory.get(Scope.user("bob"), bobs.id()).orElseThrow().status());
    assertEquals(
        "Bob's PIN hint is 'blue'", memory.get(Scope.user("bob"), bobs.id()).orElseThrow().text());
  }

  @Test
  void chatMemoryLivesInTheWorkingTier_andIsStoredOnce() {
    MemoryStore memory = Engram.inMemory();
    EngramChatMemoryStore chatStore = new EngramChatMemoryStore(memory);
    ScriptedModel model = new ScriptedModel(r -> AiMessage.from("reply " + r.messages().size()));
    // docs/langchain4j.md: chat memory
    Assistant assistant =
        AiServices.builder(Assistant.class)
            .chatModel(model)
            .chatMemoryProvider(
                id ->
                    MessageWindowChatMemory.builder()
                        .id(id)
                        .maxMessages(10)
                        .chatMemoryStore(chatStore)
                        .build())
            .build();
    // end
    assistant.chat("alice", "Hello, I'm planning a trip to Kyoto");
    assistant.chat("alice", "What should I pack?");
    assistant.chat("bob", "Hi");

    Scope aliceChat = Scope.user("alice").withSession("chat");
    List<Memory> working = memory.list(aliceChat).items();
    assertEquals(
        List.of("Hello, I'm planning a trip to Kyoto", "reply 1", "What should I pack?", "reply 3"),
        working.stream().map(Memory::text).toList());
    assertTrue(working.stream().allMatch(m -> m.tier() == Tier.WORKING));
    assertEquals(
        4, model.requests.get(1).messages().size() + 1, "the second call saw the first exchange");

    List<ChatMessage> messages = chatStore.getMessages("alice");
    chatStore.updateMessages("alice", messages);
    chatStore.updateMessages("alice", messages);
    assertEquals(
        4,
        memory.list(aliceChat).items().size(),
        "updating with the same window stores nothing twice");
    assertEquals(
        List.of(dev.langchain4j.data.message.UserMessage.from("Hi"), AiMessage.from("reply 1")),
        chatStore.getMessages("bob"));
    assertEquals(
        List.of(dev.langchain4j.data.message.UserMessage.from("Hi"), AiMessage.from("reply 1")),
        new EngramChatMemoryStore(memory).getMessages("bob"),
        "after a restart the window is rebuilt from the working tier");

    assertTrue(
        memory.search(Scope.user("alice"), "Kyoto trip").size() >= 1,
        "chat is searchable as memory");
    chatStore.deleteMessages("alice");
    assertEquals(List.of(), chatStore.getMessages("alice"));
    assertEquals(2, chatStore.getMessages("bob").size());
  }
}
