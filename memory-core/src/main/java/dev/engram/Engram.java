package dev.engram;

import dev.engram.backend.MemoryBackend;
import dev.engram.decay.DecayPolicy;
import dev.engram.decay.RankingWeights;
import dev.engram.embed.Embedder;
import dev.engram.internal.DefaultMemoryStore;
import dev.engram.internal.InMemoryBackend;
import dev.engram.observe.StoreObserver;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.recall.RecallSettings;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Entry point: builds a {@link MemoryStore} over a backend.
 *
 * {@snippet :
 * try (MemoryStore memory = Engram.inMemory()) {
 *   memory.add(Scope.user("alice"), "I am allergic to peanuts");
 *   memory.search(Scope.user("alice"), "peanuts").forEach(System.out::println);
 * }
 * }
 *
 * <p>For a persistent store with hybrid search, see memory-retrieval's {@code EmbeddedMemory}.
 */
public final class Engram {
  private Engram() {}

  /** A store in this process's memory, lexical search only, every default. */
  public static MemoryStore inMemory() {
    return builder().build();
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds stores; every setter validates its argument at once and documents its default. */
  public static final class Builder {
    /** The default limit on a memory's text: 32 KiB of UTF-8. */
    public static final int DEFAULT_MAX_TEXT_BYTES = 32 * 1024;

    /** The default limit on what one add or update may store: 4 MiB of UTF-8. */
    public static final int DEFAULT_MAX_ADD_BYTES = 4 * 1024 * 1024;

    /** The default limit on the memories a pipeline may plan for one add: 100. */
    public static final int DEFAULT_MAX_FACTS_PER_ADD = 100;

    private MemoryBackend backend;
    private Embedder embedder;
    private InstantSource clock = InstantSource.system();
    private DecayPolicy decay = DecayPolicy.defaults();
    private RankingWeights weights = RankingWeights.DEFAULT;
    private RecallSettings recall = RecallSettings.defaults();
    private Duration recallFlushInterval = Duration.ofSeconds(5);
    private int maxTextBytes = DEFAULT_MAX_TEXT_BYTES;
    private int maxAddBytes = DEFAULT_MAX_ADD_BYTES;
    private int maxFactsPerAdd = DEFAULT_MAX_FACTS_PER_ADD;
    private MemoryPipeline pipeline;
    private Boolean inferByDefault;
    private Duration maintenanceInterval;
    private Duration consolidateIdleSessions;
    private StoreObserver observer = StoreObserver.NONE;

    private Builder() {}

    /**
     * Sets where memories live; default: an in-memory backend (with the {@link #embedder(Embedder)}
     * if one is set). The store closes the backend when it is closed.
     */
    public Builder backend(MemoryBackend backend) {
      this.backend = Objects.requireNonNull(backend, "backend must not be null");
      return this;
    }

    /** Sets the embedder of the default in-memory backend; default none (lexical search only). */
    public Builder embedder(Embedder embedder) {
      this.embedder = Objects.requireNonNull(embedder, "embedder must not be null");
      return this;
    }

    /** Sets the source of time for every timestamp and for decay; default the system clock. */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /** Sets how memories fade and move between tiers; default {@link DecayPolicy#defaults()}. */
    public Builder decay(DecayPolicy decay) {
      this.decay = Objects.requireNonNull(decay, "decay must not be null");
      return this;
    }

    /** Sets the search blend; default {@link RankingWeights#DEFAULT}. */
    public Builder ranking(RankingWeights weights) {
      this.weights = Objects.requireNonNull(weights, "ranking must not be null");
      return this;
    }

    /**
     * Sets how searches rank (candidate depth, fusion, conversation signals, the reinforcement
     * threshold); default {@link RecallSettings#defaults()}. The same for every backend.
     */
    public Builder recall(RecallSettings recall) {
      this.recall = Objects.requireNonNull(recall, "recall must not be null");
      return this;
    }

    /**
     * Sets how often the recalls searches record are written to the backend, 100 ms to 1 hour;
     * default 5 seconds. Searches never wait for this write: reads show a recall at once, and a
     * crash of the process loses at most the recalls of the last interval (access counts, strength,
     * the restarted forgetting curve), never a memory or a change. {@link MemoryStore#maintain()}
     * and {@link MemoryStore#close()} write them too.
     */
    public Builder recallFlushInterval(Duration interval) {
      Objects.requireNonNull(interval, "recallFlushInterval must not be null");
      if (interval.compareTo(Duration.ofMillis(100)) < 0
          || interval.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "recallFlushInterval must be between 100 ms and 1 hour, got " + interval);
      }
      this.recallFlushInterval = interval;
      return this;
    }

    /** Sets the longest text a memory may have, in UTF-8 bytes, 1 to 1 MiB; default 32 KiB. */
    public Builder maxTextBytes(int maxTextBytes) {
      if (maxTextBytes < 1 || maxTextBytes > 1024 * 1024) {
        throw new IllegalArgumentException(
            "maxTextBytes must be between 1 and 1048576, got " + maxTextBytes);
      }
      this.maxTextBytes = maxTextBytes;
      return this;
    }

    /**
     * Sets the most one add (or update) may store, in UTF-8 bytes of text, metadata keys and
     * values, tags and sources, counted for every memory it creates (the request's metadata is put
     * on each message's memory), 1 KiB to 16 MiB; default 4 MiB. A request over the limit is
     * rejected before anything is written, with an {@link IllegalArgumentException} naming {@code
     * maxAddBytes}; a pipeline plan over it is not applied, and the messages are stored verbatim
     * instead (as for any unusable plan).
     */
    public Builder maxAddBytes(int maxAddBytes) {
      if (maxAddBytes < 1024 || maxAddBytes > 16 * 1024 * 1024) {
        throw new IllegalArgumentException(
            "maxAddBytes must be between 1024 and 16777216, got " + maxAddBytes);
      }
      this.maxAddBytes = maxAddBytes;
      return this;
    }

    /**
     * Sets the most memories a pipeline may plan for one add (the facts an LLM extracts), 1 to
     * 10,000; default 100. A plan with more is not applied: the add stores its messages verbatim
     * instead, as for any unusable plan, with the limit named in {@link PipelineOutcome#detail()}.
     * (The messages of one add are limited by {@link AddRequest#MAX_MESSAGES} and {@link
     * #maxAddBytes(int)}.)
     */
    public Builder maxFactsPerAdd(int maxFactsPerAdd) {
      if (maxFactsPerAdd < 1 || maxFactsPerAdd > 10_000) {
        throw new IllegalArgumentException(
            "maxFactsPerAdd must be between 1 and 10000, got " + maxFactsPerAdd);
      }
      this.maxFactsPerAdd = maxFactsPerAdd;
      return this;
    }

    /**
     * Sets the pipeline that turns messages into memory; default none (messages stored verbatim).
     */
    public Builder pipeline(MemoryPipeline pipeline) {
      this.pipeline = Objects.requireNonNull(pipeline, "pipeline must not be null");
      return this;
    }

    /**
     * Sets whether adds run the pipeline unless they say otherwise; default true when there is one.
     */
    public Builder inferByDefault(boolean infer) {
      this.inferByDefault = infer;
      return this;
    }

    /**
     * Runs {@link MemoryStore#maintain()} in a background thread at this interval; default never
     * (call it yourself, e.g. nightly).
     */
    public Builder maintenanceInterval(Duration interval) {
      Objects.requireNonNull(interval, "maintenanceInterval must not be null");
      if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "maintenanceInterval must be at least 1 second, got " + interval);
      }
      this.maintenanceInterval = interval;
      return this;
    }

    /**
     * Consolidates idle sessions in a background thread ({@link MemoryStore#consolidate}): each
     * session whose newest unconsolidated episode was stored at least {@code idle} ago, by the
     * {@link #clock(InstantSource) clock}. Sessions are looked for every quarter of {@code idle}
     * (every 1 second to 15 minutes). A session whose consolidation fails is tried again the next
     * time. Needs a {@link #pipeline(MemoryPipeline) pipeline}; default off.
     */
    public Builder consolidateIdleSessions(Duration idle) {
      Objects.requireNonNull(idle, "consolidateIdleSessions must not be null");
      if (idle.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException(
            "consolidateIdleSessions must be at least 1 second, got " + idle);
      }
      this.consolidateIdleSessions = idle;
      return this;
    }

    /**
     * Tells {@code observer} of every add, consolidate and search, and gives it the store's size
     * (memory-micrometer's {@code EngramMetrics} turns them into meters); default none.
     */
    public Builder observer(StoreObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer must not be null");
      return this;
    }

    /**
     * Builds the store.
     *
     * @throws IllegalArgumentException if both a backend and an embedder are set (give the embedder
     *     to the backend), adds should infer without a pipeline, or idle sessions should be
     *     consolidated without one
     */
    public MemoryStore build() {
      if (backend != null && embedder != null) {
        throw new IllegalArgumentException(
            "embedder applies to the default in-memory backend; configure embeddings on the backend instead");
      }
      boolean infer = inferByDefault != null ? inferByDefault : pipeline != null;
      if (infer && pipeline == null) {
        throw new IllegalArgumentException("inferByDefault(true) needs a pipeline");
      }
      if (consolidateIdleSessions != null && pipeline == null) {
        throw new IllegalArgumentException("consolidateIdleSessions needs a pipeline");
      }
      MemoryBackend b = backend != null ? backend : new InMemoryBackend(embedder);
      return new DefaultMemoryStore(
          new DefaultMemoryStore.Settings(
              b,
              clock,
              decay,
              weights,
              recall,
              new DefaultMemoryStore.Limits(maxTextBytes, maxAddBytes, maxFactsPerAdd),
              pipeline,
              infer,
              maintenanceInterval,
              consolidateIdleSessions,
              recallFlushInterval,
              observer));
    }
  }
}
