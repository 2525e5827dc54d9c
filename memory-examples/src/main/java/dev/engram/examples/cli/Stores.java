package dev.engram.examples.cli;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.llm.LlmPipeline;
import dev.engram.memory.Scope;
import dev.engram.recall.RecallSettings;
import dev.engram.retrieval.EmbeddedMemory;
import dev.langchain4j.model.chat.Capability;
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
  Opened openForEval(Path dir, String fusion, boolean quantized) {
    RecallSettings recall = RecallSettings.defaults();
    if (fusion != null) {
      try {
        recall =
            recall.toBuilder()
                .fusion(
                    RecallSettings.Fusion.valueOf(
                        fusion.toUpperCase(Locale.ROOT).replace('-', '_')))
                .build();
      } catch (IllegalArgumentException e) {
        throw new UsageException(
            "--fusion must be min_max, rrf, lexical_only or vector_only, got '" + fusion + "'");
      }
    }
    boolean lexical = recall.fusion() == RecallSettings.Fusion.LEXICAL_ONLY;
    EmbeddedMemory.BackendBuilder backend = EmbeddedMemory.backend(dir).quantizedVectors(quantized);
    if (lexical) {
      backend.lexicalOnly();
    }
    MemoryStore store = Engram.builder().backend(backend.build()).recall(recall).build();
    return new Opened(
        store,
        "embedded Lucene store, embedder "
            + (lexical ? "none" : "bge-small-en-v1.5-q")
            + (quantized ? ", vectors quantised to 8 bits" : "")
            + ", "
            + recall);
  }

  /**
   * A fresh embedded store for an evaluation with an LLM. With the pipeline, only what it extracts
   * is kept ({@code keepEpisodes(false)}), so the answers come from the pipeline's memories and not
   * from raw turns stored beside them; a session whose pipeline run fails is still stored verbatim
   * (and counted).
   */
  MemoryStore openForQa(Path dir, Args a, boolean pipeline) {
    Engram.Builder b = Engram.builder().backend(EmbeddedMemory.backend(dir).build());
    if (pipeline) {
      b.pipeline(LlmPipeline.builder(chatModel(a)).keepEpisodes(false).build())
          .inferByDefault(false);
    }
    return b.build();
  }

  /**
   * {@code none}, {@code openai} or {@code ollama}: {@code --llm}, else {@code $ENGRAM_LLM}, else
   * none. {@code --model} and {@code --base-url} without an LLM are an error, not ignored.
   */
  String llmKind(Args a) {
    String flag = a.get("llm");
    String raw = flag != null ? flag : env.getOrDefault("ENGRAM_LLM", "none");
    String kind = raw.strip().toLowerCase(Locale.ROOT);
    if (!kind.equals("none") && !kind.equals("openai") && !kind.equals("ollama")) {
      throw new UsageException(
          (flag != null ? "--llm" : "$ENGRAM_LLM")
              + " must be none, openai or ollama, got '"
              + raw
              + "'");
    }
    if (kind.equals("none") && (a.has("model") || a.has("base-url"))) {
      throw new UsageException(
          "--"
              + (a.has("model") ? "model" : "base-url")
              + " needs an LLM: add --llm openai or"
              + " --llm ollama (or set $ENGRAM_LLM)");
    }
    return kind;
  }

  /** The model name: {@code --model}, else {@code $ENGRAM_MODEL}, else the provider's default. */
  String modelName(Args a) {
    String name = a.get("model", env.get("ENGRAM_MODEL"));
    if (name != null && !name.isBlank()) {
      return name.strip();
    }
    return llmKind(a).equals("ollama") ? "llama3.1" : "gpt-4o-mini";
  }

  /** The chat model the flags and environment describe. */
  ChatModel chatModel(Args a) {
    return chatModel(a, modelName(a));
  }

  /**
   * The chat model the flags describe, with another model name (e.g. a judge). Both clients declare
   * JSON-schema structured output, so the pipeline sends its reply schemas (OpenAI's {@code
   * response_format} json_schema, Ollama's {@code format}) instead of hoping for JSON.
   */
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
            .modelName(modelName)
            .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
            .strictJsonSchema(true)
            .timeout(Duration.ofSeconds(60))
            .maxRetries(2)
            .build();
      }
      case "ollama" ->
          OllamaChatModel.builder()
              .baseUrl(
                  a.get("base-url", env.getOrDefault("OLLAMA_BASE_URL", "http://localhost:11434")))
              .modelName(modelName)
              .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
              .timeout(Duration.ofSeconds(120))
              .maxRetries(2)
              .build();
      default ->
          throw new UsageException(
              "this needs an LLM: add --llm openai or --llm ollama (or set $ENGRAM_LLM)");
    };
  }

  /**
   * Rebuilds the store's index with the options the command line opens stores with (the default
   * embedding model and analyzer).
   *
   * @return how many memories were rebuilt
   */
  long reindex(Args a, java.util.function.BiConsumer<Long, Long> progress) {
    Path dir = storeDir(a);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("no store at " + dir + " to reindex");
    }
    return EmbeddedMemory.reindex(dir, EmbeddedMemory.backend(dir), progress);
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
