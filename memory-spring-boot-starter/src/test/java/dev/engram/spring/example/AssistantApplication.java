package dev.engram.spring.example;

import dev.engram.spring.EngramMemoryAdvisor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;

/**
 * A runnable example: an assistant with long-term memory in a few lines. Alice tells it about her
 * allergy; in a later conversation it recalls that when she asks for dinner ideas, and Bob, asking
 * the same, is told nothing of hers.
 *
 * <p>It runs offline with a stand-in model that only repeats what memory put in its prompt. With a
 * Spring AI model starter on the classpath (e.g. {@code spring-ai-starter-model-openai} and {@code
 * spring.ai.openai.api-key}) that model answers instead, and {@code engram.pipeline.enabled=true}
 * lets it extract facts from what users say.
 */
@SpringBootApplication
public class AssistantApplication {

  /** Runs the example with an embedded store under {@code target/engram-example}. */
  public static void main(String[] args) {
    new SpringApplicationBuilder(AssistantApplication.class)
        .properties(
            "engram.store.path=" + Path.of("target", "engram-example").toAbsolutePath(),
            "engram.pipeline.enabled=false",
            "spring.main.web-application-type=none")
        .run(args)
        .close();
  }

  /** The assistant: a chat client whose every prompt goes through Engram's advisor. */
  @Bean
  ChatClient assistant(ChatModel model, EngramMemoryAdvisor memory) {
    return ChatClient.builder(model)
        .defaultSystem("You are a helpful cooking assistant.")
        .defaultAdvisors(memory)
        .build();
  }

  /** Two users, two conversations each. */
  public static List<String> converse(ChatClient assistant) {
    List<String> transcript = new ArrayList<>();
    ask(assistant, transcript, "alice", "Please remember that I am allergic to peanuts.");
    ask(assistant, transcript, "alice", "What should I cook tonight? Something with peanuts?");
    ask(assistant, transcript, "bob", "What should I cook tonight? Something with peanuts?");
    return transcript;
  }

  private static void ask(ChatClient assistant, List<String> transcript, String user, String text) {
    String answer =
        assistant
            .prompt()
            .user(text)
            .advisors(a -> a.param(EngramMemoryAdvisor.USER_ID, user))
            .call()
            .content();
    transcript.add(user + ": " + text);
    transcript.add("assistant: " + answer);
  }

  @Bean
  CommandLineRunner demo(ChatClient assistant) {
    return args -> converse(assistant).forEach(System.out::println);
  }

  /** Stands in for a real model: answers with what memory told it, so the example runs offline. */
  @Bean
  @ConditionalOnMissingBean(ChatModel.class)
  ChatModel offlineModel() {
    return new ChatModel() {
      @Override
      public ChatResponse call(Prompt prompt) {
        String system = prompt.getSystemMessage().getText();
        int at = system.indexOf(EngramMemoryAdvisor.MEMORY_HEADER);
        String answer =
            at < 0
                ? "I don't know anything about you yet."
                : "From what I remember:"
                    + system
                        .substring(at + EngramMemoryAdvisor.MEMORY_HEADER.length())
                        .replace("\n- ", " / ");
        return new ChatResponse(List.of(new Generation(new AssistantMessage(answer))));
      }
    };
  }
}
