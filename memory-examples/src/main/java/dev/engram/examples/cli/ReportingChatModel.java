package dev.engram.examples.cli;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Set;

/**
 * The command line's LLM client: retries a server error itself, once unless {@code --llm-retries}
 * says otherwise (the langchain4j client is built without retries, so its retry warnings and stack
 * traces never reach the terminal), and turns every failure into one sentence naming the endpoint
 * and what went wrong: "cannot reach http://127.0.0.1:9/v1: connection refused", "the LLM at …
 * answered HTTP 500 twice".
 */
final class ReportingChatModel implements ChatModel {
  private final ChatModel delegate;
  private final String endpoint;

  /** How often a call is tried when the server answers 5xx or 429, or does not answer in time. */
  private final int attempts;

  private volatile String lastFailure;

  ReportingChatModel(ChatModel delegate, String endpoint, int attempts) {
    this.delegate = delegate;
    this.endpoint = endpoint;
    this.attempts = attempts;
  }

  /** A failed call, described in one line. */
  static final class LlmFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LlmFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  @Override
  public ChatResponse chat(ChatRequest request) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        return delegate.chat(request);
      } catch (RuntimeException e) {
        last = e;
        if (!retriable(e)) {
          throw failed(describe(e, attempt), e);
        }
      }
    }
    throw failed(describe(last, attempts), last);
  }

  private LlmFailure failed(String message, RuntimeException cause) {
    lastFailure = message;
    return new LlmFailure(message, cause);
  }

  /**
   * The last failure in one line, or {@code null}: the pipeline reports a failed call only as its
   * outcome's detail, so a command asks the model what happened.
   */
  String lastFailure() {
    return lastFailure;
  }

  /** The last failure of {@code model} if it is one of ours, else {@code null}. */
  static String lastFailure(ChatModel model) {
    return model instanceof ReportingChatModel r ? r.lastFailure() : null;
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    return chat(request);
  }

  @Override
  public ChatRequestParameters defaultRequestParameters() {
    return delegate.defaultRequestParameters();
  }

  @Override
  public Set<Capability> supportedCapabilities() {
    return delegate.supportedCapabilities();
  }

  @Override
  public ModelProvider provider() {
    return delegate.provider();
  }

  private static boolean retriable(RuntimeException e) {
    Integer status = status(e);
    if (status != null) {
      return status >= 500 || status == 429;
    }
    return find(e, HttpTimeoutException.class) != null
        || find(e, SocketTimeoutException.class) != null
        || find(e, dev.langchain4j.exception.TimeoutException.class) != null;
  }

  private static Integer status(Throwable e) {
    HttpException http = find(e, HttpException.class);
    return http == null ? null : http.statusCode();
  }

  /** One line: what failed, where, and (for HTTP errors) the status. */
  String describe(RuntimeException e, int attempts) {
    String times = attempts == 1 ? "" : attempts == 2 ? " twice" : " " + attempts + " times";
    Integer status = status(e);
    if (status != null) {
      String hint =
          status == 401 || status == 403
              ? " (check $OPENAI_API_KEY)"
              : status == 404 ? " (check --base-url and --model)" : "";
      // A request the server refused says why (e.g. "context length exceeded"); a server error's
      // body rarely helps, and its status says enough.
      String why =
          status >= 400 && status < 500 && status != 429
              ? serverMessage(find(e, HttpException.class))
              : "";
      return "the LLM at "
          + endpoint
          + " answered HTTP "
          + status
          + times
          + (why.isEmpty() ? "" : ": " + why)
          + hint;
    }
    if (find(e, ConnectException.class) != null
        && find(e, HttpConnectTimeoutException.class) == null) {
      return "cannot reach " + endpoint + ": connection refused";
    }
    if (find(e, UnknownHostException.class) != null) {
      return "cannot reach " + endpoint + ": unknown host";
    }
    if (find(e, NoRouteToHostException.class) != null) {
      return "cannot reach " + endpoint + ": no route to host";
    }
    if (find(e, HttpConnectTimeoutException.class) != null) {
      return "cannot reach " + endpoint + ": connection timed out";
    }
    if (retriable(e)) {
      return "the LLM at " + endpoint + " did not answer in time" + times;
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return "the call to the LLM at " + endpoint + " failed: " + Cli.oneLine(why);
  }

  /** The message of an OpenAI- or Ollama-style error body, else the body itself, shortened. */
  private static String serverMessage(HttpException e) {
    String body = e.getMessage();
    if (body == null || body.isBlank()) {
      return "";
    }
    try {
      com.fasterxml.jackson.databind.JsonNode json =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
      com.fasterxml.jackson.databind.JsonNode message = json.path("error").path("message");
      if (message.isTextual()) {
        return Cli.oneLine(message.asText());
      }
      if (json.path("error").isTextual()) {
        return Cli.oneLine(json.path("error").asText());
      }
    } catch (java.io.IOException | RuntimeException notJson) {
      // fall through to the raw body
    }
    String line = Cli.oneLine(body);
    return line.length() <= 200 ? line : line.substring(0, 197) + "...";
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
