package dev.engram.llm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.engram.llm.LlmCall;
import dev.engram.llm.PipelineListener;
import dev.engram.pipeline.PipelineException;
import dev.engram.pipeline.PipelineUsage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the model for one pipeline step: structured output where the model supports it, a tolerant
 * parse otherwise, one retry that quotes the parse error, and usage accounting. Any failure becomes
 * a {@link PipelineException} carrying what was spent, so the store can fall back and report it.
 */
public final class ModelCaller {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCaller.class);

  private final ChatModel model;
  private final boolean structured;
  private final List<PipelineListener> listeners;

  /** Usage of one pipeline run, accumulated across its calls. */
  public static final class Usage {
    private final long started = System.nanoTime();
    private int calls;
    private long inputTokens;
    private long outputTokens;

    /** What was spent so far. */
    public PipelineUsage snapshot() {
      return new PipelineUsage(
          calls, inputTokens, outputTokens, Duration.ofNanos(System.nanoTime() - started));
    }
  }

  /**
   * A caller for a model.
   *
   * @param structured whether to send a JSON schema as the response format
   */
  public ModelCaller(ChatModel model, boolean structured, List<PipelineListener> listeners) {
    this.model = model;
    this.structured = structured;
    this.listeners = List.copyOf(listeners);
  }

  /**
   * Asks the model and parses its reply.
   *
   * @param key the top-level key of the reply's JSON object, which tells it from other braces
   * @param parse turns the reply's JSON into a value, throwing {@link IllegalArgumentException}
   *     with a message the model can act on when the shape is wrong
   */
  public <T> T call(
      LlmCall.Stage stage,
      String system,
      String user,
      JsonSchema schema,
      String key,
      Function<JsonNode, T> parse,
      Usage usage) {
    List<ChatMessage> messages = new ArrayList<>();
    messages.add(SystemMessage.from(system));
    messages.add(UserMessage.from(user));
    String problem = null;
    for (int attempt = 1; attempt <= 2; attempt++) {
      long start = System.nanoTime();
      ChatResponse response = send(stage, attempt, messages, schema, usage);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      String content = response.aiMessage() == null ? null : response.aiMessage().text();
      try {
        T value = parse.apply(JsonReply.parse(content, key));
        notify(stage, attempt, response, elapsed, usage, null);
        return value;
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
        notify(stage, attempt, response, elapsed, usage, "unusable reply: " + problem);
        LOG.debug("{} reply unusable (attempt {}): {}", stage, attempt, problem);
        messages.add(AiMessage.from(content == null || content.isEmpty() ? "(empty)" : content));
        messages.add(
            UserMessage.from(
                "That reply could not be used: "
                    + problem
                    + ". Reply again with only the JSON object described in the instructions."));
      }
    }
    throw new PipelineException(
        stage.name().toLowerCase(Locale.ROOT)
            + " failed: the model's reply was unusable twice ("
            + problem
            + ")",
        usage.snapshot(),
        null);
  }

  private ChatResponse send(
      LlmCall.Stage stage,
      int attempt,
      List<ChatMessage> messages,
      JsonSchema schema,
      Usage usage) {
    ChatRequest.Builder request = ChatRequest.builder().messages(messages);
    if (structured) {
      request.responseFormat(
          ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build());
    }
    long start = System.nanoTime();
    usage.calls++;
    try {
      ChatResponse response = model.chat(request.build());
      if (response == null) {
        throw new IllegalStateException("the model returned no response");
      }
      return response;
    } catch (RuntimeException e) {
      String why =
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      LlmCall call =
          new LlmCall(stage, attempt, 0, 0, Duration.ofNanos(System.nanoTime() - start), why);
      listeners.forEach(l -> safely(l, call));
      throw new PipelineException(
          stage.name().toLowerCase(Locale.ROOT) + " failed: " + why, usage.snapshot(), e);
    }
  }

  private void notify(
      LlmCall.Stage stage,
      int attempt,
      ChatResponse response,
      Duration elapsed,
      Usage usage,
      String error) {
    TokenUsage tokens = response.tokenUsage();
    long in = tokens == null || tokens.inputTokenCount() == null ? 0 : tokens.inputTokenCount();
    long out = tokens == null || tokens.outputTokenCount() == null ? 0 : tokens.outputTokenCount();
    usage.inputTokens += in;
    usage.outputTokens += out;
    LlmCall call = new LlmCall(stage, attempt, in, out, elapsed, error);
    listeners.forEach(l -> safely(l, call));
  }

  private static void safely(PipelineListener listener, LlmCall call) {
    try {
      listener.onCall(call);
    } catch (RuntimeException e) {
      LOG.warn("pipeline listener failed; ignored", e);
    }
  }
}
