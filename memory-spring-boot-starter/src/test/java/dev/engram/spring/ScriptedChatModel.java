package dev.engram.spring;

import dev.engram.llm.Prompts;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/**
 * A Spring AI chat model for tests. It plays two parts: Engram's pipeline (recognised by its
 * extraction prompt; it extracts "The user is allergic to peanuts" from a message saying so, and
 * keeps everything else as it is) and the application's assistant (it answers "Noted."). It records
 * the system prompt of every assistant call, so tests see what the advisor recalled.
 */
final class ScriptedChatModel implements ChatModel {
  final List<String> assistantSystemPrompts = Collections.synchronizedList(new ArrayList<>());
  final List<String> pipelineCalls = Collections.synchronizedList(new ArrayList<>());

  @Override
  public ChatResponse call(Prompt prompt) {
    String system = text(prompt, MessageType.SYSTEM);
    String user = text(prompt, MessageType.USER);
    String reply;
    if (system.equals(Prompts.defaults().extract())) {
      pipelineCalls.add("extract");
      reply =
          user.contains("allergic to peanuts")
              ? "{\"facts\": [{\"text\": \"The user is allergic to peanuts\", \"about\": \"user\","
                  + " \"kind\": \"semantic\", \"importance\": 9, \"keywords\": [\"peanut\","
                  + " \"allergy\", \"food\"], \"tags\": [\"health\"], \"context\": \"diet\","
                  + " \"sources\": [1]}]}"
              : "{\"facts\": []}";
    } else if (system.equals(Prompts.defaults().consolidate())) {
      pipelineCalls.add("consolidate");
      reply =
          "{\"decisions\": [{\"fact\": 1, \"action\": \"ADD\", \"target\": \"\", \"text\": \"\","
              + " \"related\": [], \"reason\": \"new\"}]}";
    } else if (system.equals(Prompts.defaults().evolve())
        || system.equals(Prompts.defaults().summarize())) {
      pipelineCalls.add("other");
      reply = "{}"; // the pipeline keeps what it has when a step's answer is unusable
    } else {
      assistantSystemPrompts.add(system);
      reply = "Noted.";
    }
    return new ChatResponse(List.of(new Generation(new AssistantMessage(reply))));
  }

  @Override
  public Flux<ChatResponse> stream(Prompt prompt) {
    assistantSystemPrompts.add(text(prompt, MessageType.SYSTEM));
    return Flux.just("Sure, ", "no peanuts ", "tonight.")
        .map(t -> new ChatResponse(List.of(new Generation(new AssistantMessage(t)))));
  }

  private static String text(Prompt prompt, MessageType type) {
    StringBuilder sb = new StringBuilder();
    for (Message m : prompt.getInstructions()) {
      if (m.getMessageType() == type && m.getText() != null) {
        sb.append(sb.isEmpty() ? "" : "\n").append(m.getText());
      }
    }
    return sb.toString();
  }
}
