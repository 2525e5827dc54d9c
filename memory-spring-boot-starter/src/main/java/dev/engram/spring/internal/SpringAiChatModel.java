package dev.engram.spring.internal;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * The application's Spring AI chat model, seen as the langchain4j {@link ChatModel} the pipeline
 * talks to. Text messages only (the pipeline sends nothing else); the pipeline asks for JSON in its
 * prompts and parses the reply itself, so no provider-specific response format is needed.
 */
public final class SpringAiChatModel implements ChatModel {
  private final org.springframework.ai.chat.model.ChatModel delegate;

  /** Adapts {@code delegate}. */
  public SpringAiChatModel(org.springframework.ai.chat.model.ChatModel delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate must not be null");
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    List<Message> messages = new ArrayList<>();
    for (ChatMessage m : request.messages()) {
      messages.add(
          switch (m) {
            case SystemMessage s ->
                new org.springframework.ai.chat.messages.SystemMessage(s.text());
            case UserMessage u ->
                new org.springframework.ai.chat.messages.UserMessage(u.singleText());
            case AiMessage a -> new AssistantMessage(a.text() == null ? "" : a.text());
            default ->
                throw new IllegalArgumentException(
                    "the pipeline sent a "
                        + m.type()
                        + " message, which this adapter does not carry");
          });
    }
    org.springframework.ai.chat.model.ChatResponse response = delegate.call(new Prompt(messages));
    String text =
        response == null || response.getResult() == null
            ? null
            : response.getResult().getOutput().getText();
    if (text == null) {
      throw new IllegalStateException("the Spring AI chat model returned no text");
    }
    ChatResponse.Builder b = ChatResponse.builder().aiMessage(AiMessage.from(text));
    Usage usage = response.getMetadata() == null ? null : response.getMetadata().getUsage();
    if (usage != null && usage.getPromptTokens() != null && usage.getCompletionTokens() != null) {
      b.tokenUsage(new TokenUsage(usage.getPromptTokens(), usage.getCompletionTokens()));
    }
    return b.build();
  }
}
