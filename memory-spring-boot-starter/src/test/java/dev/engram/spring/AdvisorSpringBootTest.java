package dev.engram.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.MemoryStore;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The starter in a Spring Boot context with a scripted Spring AI model: the advisor recalls each
 * user's own memories into the prompt and stores the exchange through the pipeline, and two users
 * never share a memory.
 */
@SpringBootTest(properties = "engram.store.type=in-memory")
class AdvisorSpringBootTest {

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {
    @Bean
    ScriptedChatModel chatModel() {
      return new ScriptedChatModel();
    }

    @Bean
    ChatClient chatClient(ScriptedChatModel model, EngramMemoryAdvisor memory) {
      return ChatClient.builder(model).defaultAdvisors(memory).build();
    }
  }

  @Autowired ChatClient chat;
  @Autowired ScriptedChatModel model;
  @Autowired MemoryStore store;

  private String say(String user, String text) {
    return chat.prompt()
        .user(text)
        .advisors(a -> a.param(EngramMemoryAdvisor.USER_ID, user))
        .call()
        .content();
  }

  private List<String> texts(String user) {
    return store.list(Scope.user(user)).items().stream().map(Memory::text).toList();
  }

  @Test
  void recallsTheUsersOwnMemories_storesTheExchangeThroughThePipeline_neverAcrossUsers() {
    assertEquals("Noted.", say("alice", "Remember that I am allergic to peanuts."));
    assertTrue(model.pipelineCalls.contains("extract"), "the exchange went through the pipeline");
    assertTrue(
        texts("alice").contains("The user is allergic to peanuts"),
        "the pipeline's fact is stored: " + texts("alice"));

    say("alice", "Can I have peanuts tonight?");
    String aliceSystem = model.assistantSystemPrompts.getLast();
    assertTrue(aliceSystem.startsWith(EngramMemoryAdvisor.MEMORY_HEADER), aliceSystem);
    assertTrue(aliceSystem.contains("] The user is allergic to peanuts"), aliceSystem);

    say("bob", "Can I have peanuts tonight?");
    String bobSystem = model.assistantSystemPrompts.getLast();
    assertFalse(bobSystem.contains("allergic"), "bob is told nothing of alice: " + bobSystem);
    assertTrue(
        texts("bob").stream().noneMatch(t -> t.contains("allergic")), texts("bob").toString());
    assertTrue(texts("bob").contains("Can I have peanuts tonight?"), texts("bob").toString());
  }

  @Test
  void aConversationIdBecomesTheSessionOfTheStoredExchange() {
    chat.prompt()
        .user("I moved to Porto last week")
        .advisors(
            a ->
                a.param(EngramMemoryAdvisor.USER_ID, "carol")
                    .param(ChatMemory.CONVERSATION_ID, "chat-42"))
        .call()
        .content();
    assertTrue(
        store.list(Scope.user("carol").withSession("chat-42")).items().stream()
            .anyMatch(m -> m.text().equals("I moved to Porto last week")));
  }

  @Test
  void aRequestWithoutAUser_failsInsteadOfSharingAMemory() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> chat.prompt().user("hello").call().content());
    assertTrue(e.getMessage().contains("EngramMemoryAdvisor.USER_ID"), e.getMessage());
  }
}
