package dev.engram.llm.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A fake LLM server on 127.0.0.1 that speaks the OpenAI chat-completions and Ollama chat wire
 * formats, so tests can drive the real langchain4j clients with no network. Replies come from a
 * script of steps (consumed in order) and then from a responder function; every request is
 * recorded.
 *
 * <p>Steps can answer with content, an HTTP error (429 with {@code Retry-After}, 500, …), a
 * malformed body, or after a delay that exceeds the client's timeout.
 */
public final class LoopbackLlmServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request the server received. */
  public record Request(String path, Map<String, List<String>> headers, JsonNode body) {
    /** The text of every message in the request, in order. */
    public List<String> messageTexts() {
      List<String> out = new ArrayList<>();
      for (JsonNode m : body.path("messages")) {
        JsonNode content = m.path("content");
        if (content.isTextual()) {
          out.add(content.asText());
        } else if (content.isArray()) {
          for (JsonNode part : content) {
            out.add(part.path("text").asText());
          }
        }
      }
      return out;
    }

    /** The OpenAI {@code response_format} or Ollama {@code format} field, or a missing node. */
    public JsonNode responseFormat() {
      return body.has("response_format") ? body.get("response_format") : body.path("format");
    }
  }

  /**
   * One scripted answer.
   *
   * @param status the HTTP status
   * @param content the assistant's text for a 200 answer in the right wire format, or {@code null}
   * @param rawBody a body sent as is (errors, malformed answers), or {@code null}
   * @param delayMillis how long to wait before answering
   * @param headers extra response headers
   */
  public record Step(
      int status, String content, String rawBody, long delayMillis, Map<String, String> headers) {
    /** A successful answer with this content. */
    public static Step reply(String content) {
      return new Step(200, content, null, 0, Map.of());
    }

    /** An OpenAI-style error. */
    public static Step error(int status, String message) {
      String body =
          "{\"error\":{\"message\":\""
              + message
              + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
      return new Step(status, null, body, 0, status == 429 ? Map.of("Retry-After", "0") : Map.of());
    }

    /** A 200 answer whose body is not what the wire format promises. */
    public static Step malformed(String body) {
      return new Step(200, null, body, 0, Map.of());
    }

    /** This step, answered after {@code millis}. */
    public Step delayed(long millis) {
      return new Step(status, content, rawBody, millis, headers);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Deque<Step> script = new ArrayDeque<>();
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private volatile Function<Request, String> responder = r -> "{}";

  private LoopbackLlmServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/chat/completions", e -> handle(e, Format.OPENAI));
    server.createContext("/api/chat", e -> handle(e, Format.OLLAMA));
    server.setExecutor(executor);
  }

  /** Starts a server on an ephemeral loopback port. */
  public static LoopbackLlmServer start() {
    try {
      LoopbackLlmServer s = new LoopbackLlmServer();
      s.server.start();
      return s;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the loopback LLM server", e);
    }
  }

  /** The base URL for {@code OpenAiChatModel.builder().baseUrl(...)}. */
  public String openAiBaseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** The base URL for {@code OllamaChatModel.builder().baseUrl(...)}. */
  public String ollamaBaseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Queues steps, answered in order before the responder is used. */
  public LoopbackLlmServer then(Step... steps) {
    synchronized (script) {
      Collections.addAll(script, steps);
    }
    return this;
  }

  /** Answers requests not covered by the script with the content this function returns. */
  public LoopbackLlmServer respondWith(Function<Request, String> responder) {
    this.responder = responder;
    return this;
  }

  /** Every request received so far. */
  public List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  private enum Format {
    OPENAI,
    OLLAMA
  }

  private void handle(HttpExchange exchange, Format format) throws IOException {
    try (exchange) {
      JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
      Request request =
          new Request(exchange.getRequestURI().getPath(), exchange.getRequestHeaders(), body);
      requests.add(request);
      Step step;
      synchronized (script) {
        step = script.poll();
      }
      if (step == null) {
        step = Step.reply(responder.apply(request));
      }
      if (step.delayMillis() > 0) {
        try {
          Thread.sleep(step.delayMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      String reply = step.rawBody() != null ? step.rawBody() : wire(format, body, step.content());
      step.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(step.status(), bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      // The client gave up (e.g. its timeout fired while we slept): nothing to answer.
    }
  }

  private static String wire(Format format, JsonNode request, String content) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    String model = request.path("model").asText("test-model");
    int promptTokens = Math.max(1, request.path("messages").toString().length() / 4);
    int completionTokens = Math.max(1, content.length() / 4);
    if (format == Format.OPENAI) {
      root.put("id", "chatcmpl-loopback");
      root.put("object", "chat.completion");
      root.put("created", Instant.now().getEpochSecond());
      root.put("model", model);
      ObjectNode choice = root.putArray("choices").addObject();
      choice.put("index", 0);
      choice.putObject("message").put("role", "assistant").put("content", content);
      choice.put("finish_reason", "stop");
      root.putObject("usage")
          .put("prompt_tokens", promptTokens)
          .put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens);
    } else {
      root.put("model", model);
      root.put("created_at", Instant.now().toString());
      root.putObject("message").put("role", "assistant").put("content", content);
      root.put("done", true);
      root.put("done_reason", "stop");
      root.put("total_duration", 1_000_000);
      root.put("prompt_eval_count", promptTokens);
      root.put("eval_count", completionTokens);
    }
    return JSON.writeValueAsString(root);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
