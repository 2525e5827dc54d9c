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
import dev.engram.recall.SearchRequest;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
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
            .storeRetrievedContentInChatMemory(false)
            .build();
    // end
    assertEquals(
        "Try the fruit plate.", assistant.chat("alice", "Which peanuts snack should I buy?"));
    String prompt = model.lastUserText();
    assertTrue(prompt.contains("Alice is allergic to peanuts"), prompt);
    assertFalse(prompt.contains("Bob"), "another user's memory reached the prompt: " + prompt);
    assertEquals(
        List.of("Which peanuts snack should I buy?", "Try the fruit plate."),
        memory.list(Scope.user("alice").withSession("chat")).items().stream()
            .map(Memory::text)
            .toList(),
        "the chat memory keeps what was said, not the memories injected into it");
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

  /** The id of the first memory in a recall tool result ({@code id | date | text} lines). */
  private static String firstId(ToolExecutionResultMessage recallResult) {
    return recallResult.text().substring(0, recallResult.text().indexOf(" | "));
  }

  @Test
  void theAgentRemembersRecallsUpdatesAndForgetsThroughTools() {
    MemoryStore memory = Engram.inMemory();
    List<String> toolResults = Collections.synchronizedList(new ArrayList<>());
    // Each step answers one model call; tool arguments may depend on what an earlier tool returned.
    List<Function<ChatRequest, AiMessage>> plan =
        Collections.synchronizedList(
            new ArrayList<>(
                List.of(
                    r -> toolCall("remember", "{\"fact\": \"Alice's favourite colour is green\"}"),
                    r -> AiMessage.from("Noted!"),
                    r -> toolCall("recall", "{\"query\": \"favourite colour\"}"),
                    r -> AiMessage.from("Green."),
                    r -> toolCall("recall", "{\"query\": \"favourite colour\"}"),
                    r ->
                        toolCall(
                            "updateMemory",
                            "{\"id\": \""
                                + firstId((ToolExecutionResultMessage) last(r))
                                + "\", \"text\": \"Alice's favourite colour is teal\"}"),
                    r -> AiMessage.from("Updated: teal."),
                    r -> toolCall("recall", "{\"query\": \"favourite colour\"}"),
                    r ->
                        toolCall(
                            "forget",
                            "{\"id\": \"" + firstId((ToolExecutionResultMessage) last(r)) + "\"}"),
                    r -> AiMessage.from("Forgotten."))));
    ScriptedModel model =
        new ScriptedModel(
            r -> {
              if (last(r) instanceof ToolExecutionResultMessage result) {
                toolResults.add(result.text());
              }
              return plan.remove(0).apply(r);
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

    assertEquals("Updated: teal.", assistant.chat("alice", "It's teal now, actually"));
    assertEquals("Updated memory " + stored.get(0).id() + ".", toolResults.get(3));
    assertEquals(
        "Alice's favourite colour is teal",
        memory
            .get(Scope.user("alice").withSession("chat"), stored.get(0).id())
            .orElseThrow()
            .text());

    assertEquals("Forgotten.", assistant.chat("alice", "Please forget my favourite colour"));
    assertEquals("Forgot memory " + stored.get(0).id() + ".", toolResults.get(5));
    assertEquals(
        Status.DELETED,
        memory
            .get(Scope.user("alice").withSession("chat"), stored.get(0).id())
            .orElseThrow()
            .status());
    assertTrue(plan.isEmpty(), "every scripted call was made");
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

  interface SoloAssistant {
    String chat(@UserMessage String message);
  }

  @Test
  void differentMemoryIdsAreDifferentUsers_evenWhenTheyAreNotValidEngramIds() {
    // Pairs the old mapping (invalid characters to '_', cut at 128) sent to one user.
    List<List<String>> formerlyColliding =
        List.of(
            List.of("bob smith", "bob_smith"),
            List.of("Jürgen", "Jörgen"),
            List.of("山田", "田中"),
            List.of("x".repeat(128) + "a", "x".repeat(128) + "b"),
            List.of("-alice", "u-alice"),
            List.of(
                "bob smith",
                ChatScopes.HASHED_PREFIX
                    + "0000000000000000000000000000000000000000000000000000000000000000"));
    for (List<String> pair : formerlyColliding) {
      String a = ChatScopes.userIdOf(pair.get(0));
      String b = ChatScopes.userIdOf(pair.get(1));
      assertFalse(a.equals(b), pair + " both became " + a);
      assertEquals(Scope.user(a), ChatScopes.byUser().ownerOf(pair.get(0)));
    }
    assertEquals("alice@example.com", ChatScopes.userIdOf("alice@example.com"), "valid ids stay");
    assertEquals("bob_smith", ChatScopes.userIdOf("bob_smith"));
    assertTrue(
        ChatScopes.userIdOf("bob smith").matches("sha256:[0-9a-f]{64}"),
        "an id Engram cannot take as it is becomes the prefix and its SHA-256");

    MemoryStore memory = Engram.inMemory();
    memory.add(Scope.user(ChatScopes.userIdOf("bob smith")), "Bob Smith's PIN hint is 'blue'");
    ScriptedModel model = new ScriptedModel(r -> AiMessage.from("ok"));
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
            .contentRetriever(EngramContentRetriever.builder(memory).build())
            .storeRetrievedContentInChatMemory(false)
            .build();
    assistant.chat("bob smith", "What is my PIN hint?");
    assertTrue(model.lastUserText().contains("'blue'"), model.lastUserText());
    assistant.chat("bob_smith", "What is my PIN hint?");
    assertFalse(
        model.lastUserText().contains("'blue'"), "another user's memory reached the prompt");
  }

  @Test
  void anAiServiceWithoutMemoryId_isRefused_unlessOneSharedUserIsChosen() {
    MemoryStore memory = Engram.inMemory();
    memory.add(Scope.user("alice"), "Alice is allergic to peanuts");
    ScriptedModel model = new ScriptedModel(r -> AiMessage.from("ok"));
    SoloAssistant everyone =
        AiServices.builder(SoloAssistant.class)
            .chatModel(model)
            .contentRetriever(EngramContentRetriever.builder(memory).build())
            .storeRetrievedContentInChatMemory(false)
            .build();
    RuntimeException e = assertThrows(RuntimeException.class, () -> everyone.chat("hi"));
    Throwable cause = e;
    while (!(cause instanceof IllegalStateException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    assertTrue(
        cause.getMessage().contains("add a @MemoryId parameter")
            && cause.getMessage().contains("ChatScopes.sharedUser(userId)"),
        cause.getMessage());
    assertTrue(model.requests.isEmpty(), "nothing reached the model");
    assertThrows(
        IllegalStateException.class,
        () -> new EngramChatMemoryStore(memory).getMessages(ChatScopes.LANGCHAIN4J_DEFAULT_ID));
    assertThrows(
        IllegalStateException.class,
        () -> new MemoryTools(memory).remember(ChatScopes.LANGCHAIN4J_DEFAULT_ID, "a fact"));
    assertEquals(1, memory.stats().total(), "nothing was stored for a shared 'default' user");

    SoloAssistant alicesOwn =
        AiServices.builder(SoloAssistant.class)
            .chatModel(model)
            .chatMemory(
                MessageWindowChatMemory.builder()
                    .maxMessages(10)
                    .chatMemoryStore(
                        new EngramChatMemoryStore(memory, ChatScopes.sharedUser("alice")))
                    .build())
            .contentRetriever(
                EngramContentRetriever.builder(memory)
                    .scopes(ChatScopes.sharedUser("alice"))
                    .build())
            .storeRetrievedContentInChatMemory(false)
            .build();
    alicesOwn.chat("Which snack is safe for me, allergic as I am?");
    assertTrue(model.lastUserText().contains("allergic to peanuts"), model.lastUserText());
    assertEquals(
        List.of("Which snack is safe for me, allergic as I am?", "ok"),
        memory.list(Scope.user("alice").withSession("chat")).items().stream()
            .map(Memory::text)
            .toList());
  }

  @Test
  void theRetrieverLeavesOutTheCurrentChat_whichTheWindowAlreadyHolds() {
    MemoryStore memory = Engram.inMemory();
    memory.add(Scope.user("alice").withSession("trip-2024"), "Alice went to Kyoto in spring");
    ScriptedModel model = new ScriptedModel(r -> AiMessage.from("Lovely."));
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
            .contentRetriever(EngramContentRetriever.builder(memory).build())
            .storeRetrievedContentInChatMemory(false)
            .build();
    assistant.chat("alice", "I am planning another Kyoto trip");
    assistant.chat("alice", "Any Kyoto tips?");
    String prompt = model.lastUserText();
    assertTrue(prompt.contains("Alice went to Kyoto in spring"), prompt);
    assertFalse(
        prompt.contains("I am planning another Kyoto trip"),
        "the current chat was injected again: " + prompt);

    Query q =
        Query.from(
            "Kyoto",
            dev.langchain4j.rag.query.Metadata.from(
                dev.langchain4j.data.message.UserMessage.from("Kyoto"), "alice", List.of()));
    assertTrue(
        EngramContentRetriever.builder(memory).includeCurrentChat(true).build().retrieve(q).stream()
            .anyMatch(c -> c.textSegment().text().contains("I am planning another Kyoto trip")),
        "opt in to recall the current chat too");
  }

  @Test
  void theRecallToolCutsAnOverLongQuery_andAnswersBadArgumentsWithAMessage() {
    MemoryStore memory = Engram.inMemory();
    memory.add(Scope.user("alice"), "Alice's favourite colour is green");
    MemoryTools tools = new MemoryTools(memory);
    String longQuery = "favourite colour " + "and so on ".repeat(2_000);
    assertTrue(longQuery.length() > SearchRequest.MAX_QUERY_LENGTH);
    assertTrue(tools.recall("alice", longQuery).endsWith("Alice's favourite colour is green"));
    assertEquals("Nothing to search for: the query was empty.", tools.recall("alice", " "));
    assertEquals("No memory has the id \"\".", tools.updateMemory("alice", "", "x"));
    assertEquals("No memory has the id \"null\".", tools.forget("alice", null));
    String tooLong = tools.remember("alice", "x".repeat(40_000));
    assertTrue(
        tooLong.startsWith("Nothing remembered: ") && tooLong.contains("bytes of UTF-8"), tooLong);
  }

  @Test
  void theChatWindowIsRebuilt_whenTheSessionChangesOutsideIt() {
    MemoryStore memory = Engram.inMemory();
    EngramChatMemoryStore chatStore = new EngramChatMemoryStore(memory);
    chatStore.updateMessages(
        "alice",
        List.of(
            dev.langchain4j.data.message.UserMessage.from("My card number is 4111 1111"),
            AiMessage.from("Noted.")));
    Scope aliceChat = Scope.user("alice").withSession("chat");
    Memory card = memory.list(aliceChat).items().get(0);
    memory.delete(aliceChat, card.id(), "the user asked to forget it");
    assertEquals(
        List.of(AiMessage.from("Noted.")),
        chatStore.getMessages("alice"),
        "a forgotten message must leave the window too");

    memory.purgeScope(aliceChat);
    assertEquals(List.of(), chatStore.getMessages("alice"));
  }

  /** Whether {@code t} waits for a lock that the chat memory store itself takes. */
  private static boolean parkedOnOurLock(Thread t) {
    if (t.getState() != Thread.State.WAITING) {
      return false;
    }
    for (StackTraceElement frame : t.getStackTrace()) {
      String c = frame.getClassName();
      if (!c.startsWith("java.util.concurrent.locks.") && !c.startsWith("jdk.internal.misc.")) {
        return c.equals(EngramChatMemoryStore.class.getName());
      }
    }
    return false;
  }

  @Test
  void concurrentUpdatesOfOneChat_storeEachMessageOnce() throws Exception {
    MemoryStore memory = Engram.inMemory();
    List<ChatMessage> window =
        List.of(dev.langchain4j.data.message.UserMessage.from("Hello"), AiMessage.from("Hi!"));
    Thread[] updaters = new Thread[2];
    AtomicBoolean firstHasListed = new AtomicBoolean();
    AtomicBoolean secondHasListed = new AtomicBoolean();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    EngramChatMemoryStore[] chatStore = new EngramChatMemoryStore[1];
    // The worst interleaving, forced: the first updater, about to read the session, starts the
    // second and waits until it has read the session too (no lock: both read "nothing stored yet"
    // and both add the window) or queues behind the first (a per-session lock: it then reads what
    // the first stored).
    MemoryStore interleaving =
        (MemoryStore)
            Proxy.newProxyInstance(
                MemoryStore.class.getClassLoader(),
                new Class<?>[] {MemoryStore.class},
                (proxy, method, args) -> {
                  boolean listing = method.getName().equals("list") && args.length == 3;
                  boolean first = Thread.currentThread() == updaters[0];
                  if (listing && first) {
                    updaters[1].start();
                    while (!secondHasListed.get() && !parkedOnOurLock(updaters[1])) {
                      Thread.onSpinWait();
                    }
                  }
                  Object result;
                  try {
                    result = method.invoke(memory, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                  if (listing && first) {
                    firstHasListed.set(true);
                  } else if (listing) {
                    secondHasListed.set(true);
                    while (!firstHasListed.get()) {
                      Thread.onSpinWait();
                    }
                  }
                  return result;
                });
    chatStore[0] = new EngramChatMemoryStore(interleaving);
    for (int i = 0; i < 2; i++) {
      updaters[i] =
          new Thread(
              () -> {
                try {
                  chatStore[0].updateMessages("alice", window);
                } catch (Throwable t) {
                  failures.add(t);
                }
              });
    }
    updaters[0].start();
    updaters[0].join();
    updaters[1].join();
    assertEquals(List.of(), failures);
    assertEquals(
        List.of("Hello", "Hi!"),
        memory.list(Scope.user("alice").withSession("chat")).items().stream()
            .map(Memory::text)
            .toList());
  }
}
