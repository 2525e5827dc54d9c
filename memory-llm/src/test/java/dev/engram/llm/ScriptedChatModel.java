package dev.engram.llm;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A fake model for tests: answers each request with what the test's responder returns (a reply
 * text, or an exception to throw), and records every request so tests can assert on prompts.
 */
final class ScriptedChatModel implements ChatModel {
  private final Function<ChatRequest, String> responder;
  private final Set<Capability> capabilities;
  final List<ChatRequest> requests = Collections.synchronizedList(new ArrayList<>());

  ScriptedChatModel(Function<ChatRequest, String> responder) {
    this(responder, Set.of());
  }

  ScriptedChatModel(Function<ChatRequest, String> responder, Set<Capability> capabilities) {
    this.responder = responder;
    this.capabilities = capabilities;
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    requests.add(request);
    String reply = responder.apply(request);
    return ChatResponse.builder()
        .aiMessage(AiMessage.from(reply))
        .tokenUsage(new TokenUsage(100, 20))
        .build();
  }

  @Override
  public Set<Capability> supportedCapabilities() {
    return capabilities;
  }

  static String system(ChatRequest request) {
    for (ChatMessage m : request.messages()) {
      if (m instanceof SystemMessage s) {
        return s.text();
      }
    }
    return "";
  }

  /** The first user message: the data the step works on. */
  static String user(ChatRequest request) {
    for (ChatMessage m : request.messages()) {
      if (m instanceof UserMessage u) {
        return u.singleText();
      }
    }
    return "";
  }

  static boolean isExtract(ChatRequest r) {
    return system(r).equals(Prompts.defaults().extract());
  }

  static boolean isConsolidate(ChatRequest r) {
    return system(r).equals(Prompts.defaults().consolidate());
  }

  static boolean isEvolve(ChatRequest r) {
    return system(r).equals(Prompts.defaults().evolve());
  }

  static boolean isSummarize(ChatRequest r) {
    return system(r).equals(Prompts.defaults().summarize());
  }
}
