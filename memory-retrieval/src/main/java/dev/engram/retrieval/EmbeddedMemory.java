package dev.engram.retrieval;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.backend.MemoryBackend;
import dev.engram.embed.DefaultEmbedders;
import dev.engram.embed.Embedder;
import dev.engram.embed.EmbedderProvider;
import dev.engram.retrieval.internal.LogFileOps;
import dev.engram.retrieval.internal.LogRepair;
import dev.engram.retrieval.internal.LuceneBackend;
import dev.engram.retrieval.internal.StoreMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;

/**
 * Persistent memory on local disk with hybrid BM25 + vector search and in-process embeddings: no
 * server, no API key.
 *
 * {@snippet :
 * try (MemoryStore memory = EmbeddedMemory.open(Path.of("memory"))) {
 *   memory.add(Scope.user("alice"), "I am allergic to peanuts");
 *   memory.search(Scope.user("alice"), "what should I not eat?").forEach(System.out::println);
 * }
 * }
 *
 * <p>For every other option, build the backend and hand it to {@link Engram#builder()}:
 *
 * {@snippet :
 * MemoryStore memory = Engram.builder()
 *     .backend(EmbeddedMemory.backend(Path.of("memory")).commitInterval(Duration.ofSeconds(2)).build())
 *     .clock(clock)
 *     .pipeline(LlmPipeline.builder(chatModel).build())
 *     .build();
 * }
 *
 * <p>Defaults are English-first: the e5-small-v2 embedding model (in process, from the
 * memory-embeddings-onnx module, which must be on the class path unless an embedder is set; a store
 * built with another model that module provides, such as bge-small-en-v1.5, keeps it), Lucene's
 * {@link EnglishAnalyzer} and English passage words ({@code On 8 May 2023, Caroline said: …}). For
 * other languages choose a matching model, analyzer and passage format (see {@link
 * BackendBuilder#embedder(Embedder)}, {@link BackendBuilder#analyzer(String, Analyzer)} and {@link
 * BackendBuilder#passageFormat(PassageFormat)}). Start the JVM with {@code --add-modules
 * jdk.incubator.vector}: Lucene's vector maths is 3–4 times faster with it.
 */
public final class EmbeddedMemory {
  private EmbeddedMemory() {}

  /** Opens (creating if needed) a store in {@code dir} with every default. */
  public static MemoryStore open(Path dir) {
    return Engram.builder().backend(backend(dir).build()).build();
  }

  /**
   * Opens the existing store in {@code dir} read-only, with every default; see {@link
   * BackendBuilder#openReadOnly(Engram.Builder)}.
   *
   * {@snippet :
   * try (MemoryStore memory = EmbeddedMemory.openReadOnly(Path.of("memory"))) {
   *   memory.search(Scope.user("alice"), "what should I not eat?").forEach(System.out::println);
   * }
   * }
   */
  public static MemoryStore openReadOnly(Path dir) {
    return backend(dir).openReadOnly(Engram.builder());
  }

  /**
   * The id of the embedding model the store in {@code dir} was built with ({@code none} for a
   * lexical-only store), or empty if {@code dir} holds no store.
   *
   * @throws dev.engram.StoreCorruptedException if the store's metadata is unreadable
   */
  public static Optional<String> recordedModel(Path dir) {
    Objects.requireNonNull(dir, "dir must not be null");
    return Optional.ofNullable(StoreMetadata.recordedModelId(dir));
  }

  /** A builder for the backend of a store in {@code dir}. */
  public static BackendBuilder backend(Path dir) {
    return new BackendBuilder(dir);
  }

  /**
   * Rebuilds every memory's index entry (vectors and BM25 fields) from the stored records with new
   * options — the way to change the embedding model or the analyzer of an existing store. Memories
   * and history are kept; the store must not be open elsewhere.
   *
   * @return how many memories were rebuilt
   */
  public static long reindex(Path dir, BackendBuilder newOptions) {
    return ReindexTool.reindex(dir, newOptions, (done, total) -> {});
  }

  /**
   * {@link #reindex(Path, BackendBuilder)}, reporting progress: {@code progress} is called with the
   * memories rebuilt so far and the total, from the calling thread, after each batch.
   *
   * @return how many memories were rebuilt
   */
  public static long reindex(
      Path dir, BackendBuilder newOptions, java.util.function.BiConsumer<Long, Long> progress) {
    Objects.requireNonNull(progress, "progress must not be null");
    return ReindexTool.reindex(dir, newOptions, progress);
  }

  /**
   * Salvages a store whose operation log is damaged (opening it throws a {@link
   * dev.engram.StoreCorruptedException} naming the log file): each damaged log file is first copied
   * into the store's {@code damaged/repair-N/} directory, then rewritten with every record that
   * checks out, of every user, so that the store opens again. Only the unreadable bytes are lost. A
   * store that is intact, or whose log is only cut short at its end by a crash (which opening
   * repairs by itself), is left as it is. The store must not be open.
   *
   * @throws IllegalArgumentException if {@code dir} is not a store
   * @throws dev.engram.StoreLockedException if the store is open
   */
  public static RepairReport repair(Path dir) {
    Objects.requireNonNull(dir, "dir must not be null");
    return LogRepair.repair(dir);
  }

  /** Builds the embedded backend; every setter validates at once and states its default. */
  public static final class BackendBuilder {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    final Path dir;
    Embedder embedder;
    boolean embedderSet;
    String analyzerName = "english";
    Analyzer analyzer;
    boolean lexicalOnly;
    RetrievalConfig retrieval = RetrievalConfig.defaults();
    Duration commitInterval = Duration.ofSeconds(5);
    boolean quantizedVectors;
    PassageFormat passageFormat = PassageFormat.english();

    private BackendBuilder(Path dir) {
      this.dir = Objects.requireNonNull(dir, "dir must not be null");
      if (Files.exists(dir) && !Files.isDirectory(dir)) {
        throw new IllegalArgumentException("dir " + dir + " exists and is not a directory");
      }
    }

    /**
     * Sets the embedding model; default the {@link EmbedderProvider} on the class path
     * (memory-embeddings-onnx: e5-small-v2 in process, English), else none, and building fails
     * saying so. Without this setting an existing store reopens with the model it was built with
     * when a provider on the class path offers it (memory-embeddings-onnx also offers
     * bge-small-en-v1.5, the default before), so that changing the default never makes a store
     * unreadable; {@link EmbeddedMemory#reindex} moves it to the default. For Chinese, for example,
     * {@code Embedders.of(new BgeSmallZhV15QuantizedEmbeddingModel(), "bge-small-zh-v1.5-q",
     * "为这个句子生成表示以用于检索相关文章：", "")} with a CJK analyzer. A store refuses to open with a model other
     * than the one that built it.
     */
    public BackendBuilder embedder(Embedder embedder) {
      this.embedder = Objects.requireNonNull(embedder, "embedder must not be null");
      this.embedderSet = true;
      return this;
    }

    /**
     * Sets the analyzer of the BM25 fields; default Lucene's {@link EnglishAnalyzer} (stemming,
     * English stopwords) named {@code english}. For another language pass its analyzer (e.g. {@code
     * new CJKAnalyzer()} named {@code cjk}), and give the store that language's query stopwords
     * ({@code RecallSettings.Builder.queryStopwords}). A store records the name and refuses to open
     * with another.
     */
    public BackendBuilder analyzer(String name, Analyzer analyzer) {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "analyzer name must be 1 to 64 lower-case letters, digits or . _ -, got '"
                + name
                + "'");
      }
      this.analyzerName = name;
      this.analyzer = Objects.requireNonNull(analyzer, "analyzer must not be null");
      return this;
    }

    /**
     * Keeps no embeddings: the store ranks by BM25 alone, and never loads a model; default false. A
     * store records this ({@code none} as its model) and refuses to open otherwise.
     */
    public BackendBuilder lexicalOnly() {
      this.lexicalOnly = true;
      return this;
    }

    /**
     * Sets how the lexical candidate list is formed; default {@link RetrievalConfig#defaults()}.
     */
    public BackendBuilder retrieval(RetrievalConfig retrieval) {
      this.retrieval = Objects.requireNonNull(retrieval, "retrieval must not be null");
      return this;
    }

    /**
     * Sets how often changes are committed to the Lucene index, 100 ms to 10 minutes; default 5
     * seconds. Every acknowledged change is durable at once through the operation log either way;
     * commits only bound how much log is replayed after a crash.
     */
    public BackendBuilder commitInterval(Duration interval) {
      Objects.requireNonNull(interval, "commitInterval must not be null");
      if (interval.compareTo(Duration.ofMillis(100)) < 0
          || interval.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException(
            "commitInterval must be between 100 ms and 10 minutes, got " + interval);
      }
      this.commitInterval = interval;
      return this;
    }

    /**
     * Sets whether vectors are stored quantised to 8 bits per dimension (Lucene's scalar-quantised
     * HNSW format): about a quarter of the vector memory and disk, at a small cost in recall
     * (measured in docs/evaluation.md); default false. A store can switch between opens.
     */
    public BackendBuilder quantizedVectors(boolean quantized) {
      this.quantizedVectors = quantized;
      return this;
    }

    /**
     * Sets how memories are written out for BM25 and the embedding (date, speaker, text); default
     * {@link PassageFormat#english()}. Choose one in the store's language with its analyzer and
     * model. A store refuses to open with a format other than the one that built it.
     */
    public BackendBuilder passageFormat(PassageFormat format) {
      this.passageFormat = Objects.requireNonNull(format, "passageFormat must not be null");
      return this;
    }

    LuceneBackend.Options options() {
      return options(false);
    }

    LuceneBackend.Options options(boolean raw) {
      return options(raw, false);
    }

    /**
     * The options; with {@code keepRecordedModel} and no embedder set, the model the store in the
     * directory was built with, else the default one (a new store, or a reindex to the default).
     */
    private LuceneBackend.Options options(boolean raw, boolean keepRecordedModel) {
      Embedder e =
          lexicalOnly
              ? null
              : embedderSet
                  ? embedder
                  : DefaultEmbedders.forStore(
                      keepRecordedModel ? recordedModelOrNull(dir) : null,
                      "EmbeddedMemory.backend(dir).embedder(...)");
      return new LuceneBackend.Options(
          e,
          analyzer != null ? analyzer : new EnglishAnalyzer(),
          analyzerName,
          retrieval,
          commitInterval,
          LogFileOps.DEFAULT,
          LuceneBackend::openDirectory,
          raw,
          quantizedVectors,
          passageFormat);
    }

    /**
     * Opens the existing store read-only, with the settings of {@code store} (clock, decay, recall
     * settings; its backend is replaced by this one, and a pipeline is never run). A read-only open
     * takes no lock and changes no file, so it works while another process (an application, an
     * {@code engram chat}) has the store open for writing, and on a read-only file system.
     *
     * <p><b>Freshness</b>: it sees the store as it was when it opened — the index's last commit
     * plus every write acknowledged before the open began (read from the operation log, where each
     * write is forced to disk before it is acknowledged) — and nothing written later; open it again
     * to see more. Opening costs a replay of the writes since the writer's last commit (by default
     * at most five seconds of writes).
     *
     * <p>Every change ({@code add}, {@code update}, {@code delete}, {@code purge}, {@code
     * maintain}, …) throws {@link UnsupportedOperationException}, and a search reinforces nothing
     * (as with {@code SearchRequest.Builder.reinforce(false)}).
     *
     * @throws dev.engram.StoreCorruptedException if the directory holds no store, or a damaged one
     * @throws dev.engram.IncompatibleStoreException if the store was built with another model or
     *     analyzer
     */
    public MemoryStore openReadOnly(Engram.Builder store) {
      Objects.requireNonNull(store, "store must not be null");
      ReindexTool.refuseIfInterrupted(dir);
      LuceneBackend backend = LuceneBackend.openReadOnly(dir, options(false, true));
      try {
        return new ReadOnlyMemoryStore(store.backend(backend).build(), dir);
      } catch (RuntimeException e) {
        backend.close();
        throw e;
      }
    }

    /**
     * Opens the backend.
     *
     * @throws dev.engram.StoreLockedException if another process has the store open
     * @throws dev.engram.IncompatibleStoreException if the store was built with another model or
     *     analyzer
     * @throws dev.engram.StoreCorruptedException if the directory is not a store or is damaged
     */
    public MemoryBackend build() {
      ReindexTool.refuseIfInterrupted(dir);
      return LuceneBackend.open(dir, options(false, true));
    }

    /** The recorded model; unreadable metadata is reported by the open itself. */
    private static String recordedModelOrNull(Path dir) {
      try {
        return StoreMetadata.recordedModelId(dir);
      } catch (RuntimeException e) {
        return null;
      }
    }
  }
}
