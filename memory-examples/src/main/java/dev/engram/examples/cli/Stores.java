package dev.engram.examples.cli;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.StoreLockedException;
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
  /**
   * The file every store has ({@code engram.json}, written when it is created): a directory without
   * it holds no store, and a command that only reads or changes memories says so instead of
   * creating one.
   */
  static final String STORE_MARKER = "engram.json";

  private final Map<String, String> env;
  private final Function<Options.Llm, ChatModel> models;
  private final LazyEmbedder embedder = new LazyEmbedder(LazyEmbedder.Model.E5_SMALL_V2);
  private final LazyEmbedder bge = new LazyEmbedder(LazyEmbedder.Model.BGE_SMALL_EN);

  /** Stores and models configured from flags and the environment. */
  public Stores(Map<String, String> env) {
    this(env, null);
  }

  /** As above, with a model factory that replaces the real clients (tests script the model). */
  Stores(Map<String, String> env, Function<Options.Llm, ChatModel> models) {
    this.env = env;
    this.models = models;
  }

  /** A store and what it is, for reports. */
  record Opened(MemoryStore store, String description) {}

  /**
   * The store directory: {@code --store}, else {@code $ENGRAM_STORE}, else {@code ./.engram}. An
   * empty {@code --store} is an error (it would name the working directory); an empty {@code
   * $ENGRAM_STORE} counts as unset, as shells treat empty variables.
   */
  Path storeDir(Options.Store s) {
    if (s.store != null && s.store.isBlank()) {
      throw new UsageException(
          "--store is empty; give the store's directory, or leave --store out for $ENGRAM_STORE,"
              + " else ./.engram");
    }
    String fromEnv = env.get("ENGRAM_STORE");
    return Path.of(
        s.store != null ? s.store : fromEnv != null && !fromEnv.isBlank() ? fromEnv : ".engram");
  }

  /** The user id: {@code --user}, else {@code $ENGRAM_USER}, else {@code me}. */
  String userId(Options.Scope s) {
    return s.user != null ? s.user : env.getOrDefault("ENGRAM_USER", "me");
  }

  Scope scope(Options.Scope s) {
    return Scope.of(userId(s), s.agent, s.session);
  }

  /** The embedding model of the new stores this opens, loaded on first use. */
  LazyEmbedder embedder() {
    return embedder;
  }

  /**
   * The embedding model of the store the command line names: the one an embedded store was built
   * with (bge-small-en-v1.5 for the stores built before e5-small-v2 became the default), else the
   * default; the same for a store on OpenSearch.
   */
  LazyEmbedder embedder(Options.Store where) {
    return openSearch(where)
        ? embedderFor(openSearchBuilder(where, false))
        : embedderFor(storeDir(where));
  }

  /** The model of the OpenSearch store {@code b} names, or the default for a new one. */
  LazyEmbedder embedderFor(dev.engram.opensearch.OpenSearchMemory.Builder b) {
    try {
      return b.recordedModel().filter(bge.modelId()::equals).isPresent() ? bge : embedder;
    } catch (RuntimeException e) {
      return embedder; // an unreachable cluster: the open reports it
    }
  }

  /** The model of the embedded store in {@code dir}, or the default for a new one. */
  LazyEmbedder embedderFor(Path dir) {
    try {
      return EmbeddedMemory.recordedModel(dir).filter(bge.modelId()::equals).isPresent()
          ? bge
          : embedder;
    } catch (RuntimeException e) {
      return embedder; // unreadable metadata: the open reports it
    }
  }

  /**
   * Opens the persistent store of a command that creates it if needed ({@code add}, {@code chat});
   * with a {@code pipeline} model, the LLM pipeline runs on adds.
   */
  MemoryStore create(Options.Store where, ChatModel pipeline) {
    if (openSearch(where)) {
      return openSearchStore(where, pipeline);
    }
    return open(storeDir(where), pipeline);
  }

  /** Whether the command line names the OpenSearch backend ({@code --backend}). */
  boolean openSearch(Options.Store where) {
    String kind = where.backend == null ? "embedded" : where.backend;
    if (kind.equals("opensearch")) {
      return true;
    }
    if (!kind.equals("embedded")) {
      throw new UsageException("--backend must be embedded or opensearch, got '" + kind + "'");
    }
    if (where.url != null || where.indexPrefix != null) {
      throw new UsageException(
          (where.url != null ? "--url" : "--index-prefix") + " goes with --backend opensearch");
    }
    return false;
  }

  /**
   * The OpenSearch store the command line names, with this CLI's embedder: the model the store was
   * built with, else the default.
   */
  dev.engram.opensearch.OpenSearchMemory.Builder openSearchBuilder(Options.Store where) {
    return openSearchBuilder(where, true);
  }

  private dev.engram.opensearch.OpenSearchMemory.Builder openSearchBuilder(
      Options.Store where, boolean withEmbedder) {
    dev.engram.opensearch.OpenSearchMemory.Builder b =
        dev.engram.opensearch.OpenSearchMemory.builder()
            .url(
                where.url != null
                    ? where.url
                    : env.getOrDefault("ENGRAM_OPENSEARCH_URL", "http://127.0.0.1:9200"));
    if (where.indexPrefix != null) {
      b.indexPrefix(where.indexPrefix);
    }
    return withEmbedder ? b.embedder(embedderFor(b)) : b;
  }

  private MemoryStore openSearchStore(Options.Store where, ChatModel pipeline) {
    Engram.Builder b = Engram.builder().backend(openSearchBuilder(where).backend());
    if (pipeline != null) {
      b.pipeline(LlmPipeline.builder(pipeline).build());
    }
    return b.build();
  }

  /** The backend the command line names, for moving a store ({@code export}, {@code import}). */
  dev.engram.backend.MemoryBackend backend(Options.Store where, boolean mustExist) {
    if (openSearch(where)) {
      return openSearchBuilder(where).backend();
    }
    Path dir = storeDir(where);
    if (mustExist) {
      requireStore(dir, where.store != null ? "--store" : "$ENGRAM_STORE or ./.engram");
    }
    return EmbeddedMemory.backend(dir).embedder(embedderFor(dir)).build();
  }

  /**
   * Opens an existing store, for a command that reads or changes memories: a missing or empty
   * directory is a usage error naming the path, and nothing is created.
   */
  MemoryStore existing(Options.Store where) {
    if (openSearch(where)) {
      return openSearchStore(where, null);
    }
    Path dir = storeDir(where);
    requireStore(dir, where.store != null ? "--store" : "$ENGRAM_STORE or ./.engram");
    return open(dir, null);
  }

  /**
   * Opens an existing store to read it. When another process holds it (a chat, an application), it
   * is opened read-only instead ({@link EmbeddedMemory.BackendBuilder#openReadOnly}): no lock, no
   * file changed, every write the other process had acknowledged is seen, and a search reinforces
   * nothing. So {@code search}, {@code list}, {@code get}, {@code history} and {@code stats} work
   * on a live store.
   */
  MemoryStore forReading(Options.Store where) {
    if (openSearch(where)) {
      return openSearchStore(where, null); // a cluster serves many processes: no snapshot needed
    }
    try {
      return existing(where);
    } catch (StoreLockedException locked) {
      return openReadOnly(storeDir(where));
    } catch (dev.engram.StoreIOException e) {
      if (!cannotWrite(e)) {
        throw e;
      }
      // A store on a read-only file system, or one this user may read but not write.
      return openReadOnly(storeDir(where));
    }
  }

  /** Whether opening failed because the store's files may not be written. */
  private static boolean cannotWrite(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.nio.file.AccessDeniedException
          || (t instanceof java.nio.file.FileSystemException f
              && "Read-only file system".equalsIgnoreCase(f.getReason()))) {
        return true;
      }
    }
    return false;
  }

  /** Opens the store in {@code dir} read-only. */
  MemoryStore openReadOnly(Path dir) {
    return EmbeddedMemory.backend(dir).embedder(embedderFor(dir)).openReadOnly(Engram.builder());
  }

  /** Opens the store in {@code dir}; tests replace this to share one store. */
  MemoryStore open(Path dir, ChatModel pipeline) {
    Engram.Builder b =
        Engram.builder().backend(EmbeddedMemory.backend(dir).embedder(embedderFor(dir)).build());
    if (pipeline != null) {
      b.pipeline(LlmPipeline.builder(pipeline).build());
    }
    return b.build();
  }

  /** Refuses a directory that holds no store, naming it and where its name came from. */
  static void requireStore(Path dir, String from) {
    if (Files.isRegularFile(dir.resolve(STORE_MARKER))) {
      return;
    }
    if (Files.isDirectory(dir) && !(Files.isReadable(dir) && Files.isExecutable(dir))) {
      throw new UsageException(
          (from.equals("--store") ? "--store " + dir : dir + " (from " + from + ")")
              + ": permission denied");
    }
    if (!Files.exists(dir) || isEmptyDirectory(dir)) {
      throw new UsageException(
          "no store at " + dir + " (from " + from + "); `engram add` creates one");
    }
    if (!Files.isDirectory(dir)) {
      throw new UsageException(dir + " (from " + from + ") is a file, not a store directory");
    }
    throw new IllegalArgumentException(
        dir + " is not an Engram store (it has files but no " + STORE_MARKER + ")");
  }

  private static boolean isEmptyDirectory(Path dir) {
    try (var entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  /** A fresh store for an evaluation, optionally with another fusion method. */
  Opened openForEval(Path dir, String fusion, boolean quantized) {
    return openForEval(dir, fusion, quantized, null, RecallSettings.defaults());
  }

  /**
   * A fresh store for an evaluation on the embedded store, or, with {@code opensearch} (the builder
   * of a fresh OpenSearch store), on that cluster, ranking by {@code settings} ({@code fusion},
   * when given, replaces theirs).
   */
  Opened openForEval(
      Path dir,
      String fusion,
      boolean quantized,
      dev.engram.opensearch.OpenSearchMemory.Builder opensearch,
      RecallSettings settings) {
    RecallSettings recall = settings;
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
    if (opensearch != null) {
      LazyEmbedder model = embedderFor(opensearch);
      if (lexical) {
        opensearch.lexicalOnly();
      } else {
        opensearch.embedder(model);
      }
      MemoryStore store = Engram.builder().backend(opensearch.backend()).recall(recall).build();
      return new Opened(
          store,
          "OpenSearch store, embedder " + (lexical ? "none" : model.modelId()) + ", " + recall);
    }
    EmbeddedMemory.BackendBuilder backend = EmbeddedMemory.backend(dir).quantizedVectors(quantized);
    if (lexical) {
      backend.lexicalOnly();
    } else {
      backend.embedder(embedderFor(dir));
    }
    MemoryStore store = Engram.builder().backend(backend.build()).recall(recall).build();
    return new Opened(
        store,
        "embedded Lucene store, embedder "
            + (lexical ? "none" : embedderFor(dir).modelId())
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
  MemoryStore openForQa(Path dir, Options.Llm a, boolean pipeline) {
    Engram.Builder b =
        Engram.builder().backend(EmbeddedMemory.backend(dir).embedder(embedderFor(dir)).build());
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
  String llmKind(Options.Llm a) {
    String flag = a.llm;
    String raw = flag != null ? flag : env.getOrDefault("ENGRAM_LLM", "none");
    String kind = raw.strip().toLowerCase(Locale.ROOT);
    if (!kind.equals("none") && !kind.equals("openai") && !kind.equals("ollama")) {
      throw new UsageException(
          (flag != null ? "--llm" : "$ENGRAM_LLM")
              + " must be none, openai or ollama, got '"
              + raw
              + "'");
    }
    if (kind.equals("none")) {
      String needless =
          a.model != null
              ? "--model"
              : a.baseUrl != null
                  ? "--base-url"
                  : a.timeout != null
                      ? "--llm-timeout"
                      : a.retries != null ? "--llm-retries" : null;
      if (needless != null) {
        throw new UsageException(
            needless + " needs an LLM: add --llm openai or --llm ollama (or set $ENGRAM_LLM)");
      }
    }
    return kind;
  }

  /** The model name: {@code --model}, else {@code $ENGRAM_MODEL}, else the provider's default. */
  String modelName(Options.Llm a) {
    String name = a.model != null ? a.model : env.get("ENGRAM_MODEL");
    if (name != null && !name.isBlank()) {
      return name.strip();
    }
    return llmKind(a).equals("ollama") ? "llama3.1" : "gpt-4o-mini";
  }

  /** The chat model the flags and environment describe. */
  ChatModel chatModel(Options.Llm a) {
    return chatModel(a, modelName(a));
  }

  /**
   * The chat model the flags describe, with another model name (e.g. a judge). Both clients declare
   * JSON-schema structured output, so the pipeline sends its reply schemas (OpenAI's {@code
   * response_format} json_schema, Ollama's {@code format}) instead of hoping for JSON. The clients
   * do not retry: {@link ReportingChatModel} does, and reports a failure in one line.
   */
  ChatModel chatModel(Options.Llm a, String modelName) {
    String kind = llmKind(a);
    // Every option is checked before anything is called or written.
    String url = kind.equals("none") ? null : baseUrl(a, kind);
    Duration timeout =
        a.timeout == null
            ? Duration.ofSeconds(kind.equals("ollama") ? 120 : 60)
            : Duration.ofMillis(
                Math.round(1000 * Commands.number("--llm-timeout", a.timeout, 0.1, 3600)));
    int attempts = 1 + (a.retries == null ? 1 : Commands.whole("--llm-retries", a.retries, 0, 5));
    if (models != null) {
      return models.apply(a);
    }
    return switch (kind) {
      case "openai" -> {
        String key = env.get("OPENAI_API_KEY");
        if (key == null || key.isBlank()) {
          throw new IllegalArgumentException(
              "--llm openai needs the OPENAI_API_KEY environment variable");
        }
        yield new ReportingChatModel(
            OpenAiChatModel.builder()
                .baseUrl(url)
                .apiKey(key)
                .modelName(modelName)
                .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
                .strictJsonSchema(true)
                .timeout(timeout)
                .maxRetries(0)
                .build(),
            url,
            attempts);
      }
      case "ollama" ->
          new ReportingChatModel(
              OllamaChatModel.builder()
                  .baseUrl(url)
                  .modelName(modelName)
                  .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
                  .timeout(timeout)
                  .maxRetries(0)
                  .build(),
              url,
              attempts);
      default ->
          throw new UsageException(
              "this needs an LLM: add --llm openai or --llm ollama (or set $ENGRAM_LLM)");
    };
  }

  /**
   * The endpoint: {@code --base-url}, else the provider's variable, else its default; checked to be
   * an http(s) URL with a host, so a typo is one line before any call (the client would fail on
   * each call, retried, and the text would be stored without the pipeline).
   */
  private String baseUrl(Options.Llm a, String kind) {
    boolean openAi = kind.equals("openai");
    String variable = openAi ? "OPENAI_BASE_URL" : "OLLAMA_BASE_URL";
    String from = a.baseUrl != null ? "--base-url" : "$" + variable;
    String url =
        a.baseUrl != null
            ? a.baseUrl
            : env.getOrDefault(
                variable, openAi ? "https://api.openai.com/v1" : "http://localhost:11434");
    java.net.URI uri;
    try {
      uri = new java.net.URI(url.strip());
    } catch (java.net.URISyntaxException e) {
      uri = null;
    }
    if (uri == null
        || uri.getScheme() == null
        || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))
        || uri.getHost() == null) {
      throw new UsageException(
          from + " must be an http:// or https:// URL with a host, got '" + url + "'");
    }
    return url.strip();
  }

  /**
   * Rebuilds the store's index with the options the command line opens stores with (the default
   * embedding model and analyzer).
   *
   * @return how many memories were rebuilt
   */
  long reindex(Options.Store a, java.util.function.BiConsumer<Long, Long> progress) {
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
