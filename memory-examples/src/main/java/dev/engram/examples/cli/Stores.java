package dev.engram.examples.cli;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.llm.LlmPipeline;
import dev.engram.memory.Scope;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.retrieval.RetrievalConfig;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Opens stores and models from command-line options and the environment. */
public class Stores {
  private final Map<String, String> env;
  private final Function<Args, ChatModel> models;

  /** Stores and models configured from flags and the environment. */
  public Stores(Map<String, String> env) {
    this(env, null);
  }

  /** As above, with a model factory that replaces the real clients (tests script the model). */
  Stores(Map<String, String> env, Function<Args, ChatModel> models) {
    this.env = env;
    this.models = models;
  }

  /** A store and what it is, for reports. */
  record Opened(MemoryStore store, String description) {}

  /** The store directory: {@code --store}, else {@code $ENGRAM_STORE}, else {@code ./.engram}. */
  Path storeDir(Args a) {
    return Path.of(a.get("store", env.getOrDefault("ENGRAM_STORE", ".engram")));
  }

  /** The user id: {@code --user}, else {@code $ENGRAM_USER}, else {@code me}. */
  String userId(Args a) {
    return a.get("user", env.getOrDefault("ENGRAM_USER", "me"));
  }

  Scope scope(Args a) {
    return Scope.of(userId(a), a.get("agent"), a.get("session"));
  }

  /** Opens the persistent store; with {@code withPipeline}, the configured LLM runs on adds. */
  MemoryStore open(Args a, boolean withPipeline) {
    scope(a); // validate ids before touching the disk
    Engram.Builder b = Engram.builder().backend(EmbeddedMemory.backend(storeDir(a)).build());
    if (withPipeline) {
      b.pipeline(LlmPipeline.builder(chatModel(a)).build());
    }
    return b.build();
  }

  /** A fresh store for an evaluation, optionally with another fusion method. */
  Opened openForEval(Path dir, String fusion) {
    RetrievalConfig config = RetrievalConfig.defaults();
    if (fusion != null) {
      try {
        config =
            config.toBuilder()
                .fusion(
                    RetrievalConfig.Fusion.valueOf(
                        fusion.toUpperCase(Locale.ROOT).replace('-', '_')))
                .build();
      } catch (IllegalArgumentException e) {
        throw new UsageException(
            "--fusion must be min_max, rrf or lexical_only, got '" + fusion + "'");
      }
    }
    MemoryStore store =
        Engram.builder().backend(EmbeddedMemory.backend(dir).retrieval(config).build()).build();
    String embedder =
        config.fusion() == RetrievalConfig.Fusion.LEXICAL_ONLY ? "none" : "bge-small-en-v1.5-q";
    return new Opened(store, "embedded Lucene store, embedder " + embedder + ", " + config);
  }

  /** A fresh embedded store for an evaluation with an LLM, with the pipeline when asked. */
  MemoryStore openForQa(Path dir, Args a, boolean pipeline) {
    Engram.Builder b = Engram.builder().backend(EmbeddedMemory.backend(dir).build());
    if (pipeline) {
      b.pipeline(LlmPipeline.builder(chatModel(a)).build()).inferByDefault(false);
    }
    return b.build();
  }

  /** {@code none}, {@code openai} or {@code ollama}. */
  static String llmKind(Args a) {
    String kind = a.get("llm", "none").toLowerCase(Locale.ROOT);
    if (!kind.equals("none") && !kind.equals("openai") && !kind.equals("ollama")) {
      throw new UsageException("--llm must be none, openai or ollama, got '" + a.get("llm") + "'");
    }
    return kind;
  }

  /** The chat model the flags describe. */
  ChatModel chatModel(Args a) {
    return chatModel(a, a.get("model"));
  }

  /** The chat model the flags describe, with another model name (e.g. a judge). */
  ChatModel chatModel(Args a, String modelName) {
    if (models != null) {
      return models.apply(a);
    }
    return switch (llmKind(a)) {
      case "openai" -> {
        String key = env.get("OPENAI_API_KEY");
        if (key == null || key.isBlank()) {
          throw new IllegalArgumentException(
              "--llm openai needs the OPENAI_API_KEY environment variable");
        }
        yield OpenAiChatModel.builder()
            .baseUrl(
                a.get("base-url", env.getOrDefault("OPENAI_BASE_URL", "https://api.openai.com/v1")))
            .apiKey(key)
            .modelName(modelName != null ? modelName : "gpt-4o-mini")
            .timeout(Duration.ofSeconds(60))
            .maxRetries(2)
            .build();
      }
      case "ollama" ->
          OllamaChatModel.builder()
              .baseUrl(
                  a.get("base-url", env.getOrDefault("OLLAMA_BASE_URL", "http://localhost:11434")))
              .modelName(modelName != null ? modelName : "llama3.1")
              .timeout(Duration.ofSeconds(120))
              .maxRetries(2)
              .build();
      default -> throw new UsageException("this needs an LLM: add --llm openai or --llm ollama");
    };
  }

  static void deleteRecursively(Path p) {
    if (p == null || !Files.exists(p)) {
      return;
    }
    try {
      Files.walkFileTree(
          p,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }
}
