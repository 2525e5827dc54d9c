package dev.engram.opensearch;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.backend.MemoryBackend;
import dev.engram.embed.DefaultEmbedders;
import dev.engram.embed.Embedder;
import dev.engram.embed.EmbedderProvider;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import dev.engram.opensearch.internal.OpenSearchBackend;
import dev.engram.opensearch.internal.StoreAdmin;
import dev.engram.retrieval.PassageFormat;
import dev.engram.retrieval.RetrievalConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Memory in an OpenSearch cluster: the same API and ranking as the embedded store, for many JVMs
 * and more memories than one machine holds. Embeddings are computed in process (no ML plugin in the
 * cluster); the cluster needs the k-NN plugin ({@code scripts/opensearch start} runs one).
 *
 * {@snippet :
 * try (MemoryStore memory = OpenSearchMemory.builder().url("http://127.0.0.1:9200").open()) {
 *   memory.add(Scope.user("alice"), "I am allergic to peanuts");
 *   memory.search(Scope.user("alice"), "what should I not eat?").forEach(System.out::println);
 * }
 * }
 *
 * <p>For the store's other options (clock, pipeline, decay), build the backend and hand it to
 * {@link Engram#builder()}: {@code
 * Engram.builder().backend(OpenSearchMemory.builder()...backend())}.
 */
public final class OpenSearchMemory {
  private OpenSearchMemory() {}

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds the OpenSearch backend; every setter validates at once and states its default. */
  public static final class Builder {
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Pattern ANALYZER = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private List<String> urls = List.of("http://127.0.0.1:9200");
    private String user;
    private String password;
    private String prefix = "engram";
    private Embedder embedder;
    private boolean lexicalOnly;
    private String analyzer = "english";
    private PassageFormat passageFormat = PassageFormat.english();
    private RetrievalConfig retrieval = RetrievalConfig.defaults();
    private int shards = 1;
    private int replicas = 0;
    private Duration leaseTime = Duration.ofSeconds(30);
    private Duration leaseTimeout = Duration.ofSeconds(60);

    private Builder() {}

    /**
     * Sets the cluster's URL, {@code http} or {@code https}; default {@code http://127.0.0.1:9200}.
     * The same as {@link #urls(String...)} with one URL.
     */
    public Builder url(String url) {
      return urls(url);
    }

    /**
     * Sets the URLs of the cluster's nodes, all {@code http} or all {@code https}; default {@code
     * http://127.0.0.1:9200}. Requests go to the nodes in turn, and to another when one does not
     * answer, so the store keeps working while a node is down (with replicas for its shards).
     */
    public Builder urls(String... urls) {
      Objects.requireNonNull(urls, "urls must not be null");
      if (urls.length == 0) {
        throw new IllegalArgumentException("urls must name at least one node");
      }
      List<String> checked = new ArrayList<>(urls.length);
      for (String url : urls) {
        Objects.requireNonNull(url, "url must not be null");
        try {
          URI u = new URI(url);
          if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
              || u.getHost() == null) {
            throw new IllegalArgumentException(
                "url must be http(s)://host[:port], got '" + url + "'");
          }
          if (!checked.isEmpty() && !URI.create(checked.get(0)).getScheme().equals(u.getScheme())) {
            throw new IllegalArgumentException(
                "urls must all be http or all https, got '"
                    + checked.get(0)
                    + "' and '"
                    + url
                    + "'");
          }
        } catch (URISyntaxException e) {
          throw new IllegalArgumentException("url is not a URL: '" + url + "'", e);
        }
        checked.add(url);
      }
      this.urls = List.copyOf(checked);
      return this;
    }

    /** Sets basic-auth credentials; default none (a cluster without the security plugin). */
    public Builder credentials(String user, String password) {
      if (user == null || user.isEmpty()) {
        throw new IllegalArgumentException("credentials user must not be empty");
      }
      this.user = user;
      this.password = Objects.requireNonNull(password, "credentials password must not be null");
      return this;
    }

    /**
     * Sets the prefix of the store's index names ({@code <prefix>-memories}, {@code -history},
     * {@code -log}): 1 to 100 lower-case letters, digits or {@code . _ -}; default {@code engram}.
     * Stores with different prefixes share nothing.
     */
    public Builder indexPrefix(String prefix) {
      if (prefix == null || !PREFIX.matcher(prefix).matches()) {
        throw new IllegalArgumentException(
            "indexPrefix must be 1 to 100 lower-case letters, digits or . _ -, starting with a"
                + " letter or digit, got '"
                + prefix
                + "'");
      }
      this.prefix = prefix;
      return this;
    }

    /**
     * Sets the embedding model. Default: for a new store the highest priority {@link
     * EmbedderProvider} on the class path, {@link OnnxEmbedders#e5SmallV2()} with
     * memory-embeddings-onnx (as the embedded store); for an existing store the model it recorded,
     * so that a store built with {@link OnnxEmbedders#bgeSmallEn()}, the default before, reopens
     * with it. A store refuses to open with a model set here other than the one that built it.
     */
    public Builder embedder(Embedder embedder) {
      this.embedder = Objects.requireNonNull(embedder, "embedder must not be null");
      return this;
    }

    /** Keeps no embeddings: BM25 alone, no model loaded; default false. */
    public Builder lexicalOnly() {
      this.lexicalOnly = true;
      return this;
    }

    /**
     * Sets the OpenSearch analyzer of the BM25 fields by name (a built-in one such as {@code
     * english}, {@code standard} or {@code cjk}); default {@code english}, the same stemming and
     * stopwords as the embedded store's default. A store refuses to open with another.
     */
    public Builder analyzer(String name) {
      if (name == null || !ANALYZER.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "analyzer must be an OpenSearch analyzer name, got '" + name + "'");
      }
      this.analyzer = name;
      return this;
    }

    /** Sets how memories are written out for BM25 and the embedding; default English. */
    public Builder passageFormat(PassageFormat format) {
      this.passageFormat = Objects.requireNonNull(format, "passageFormat must not be null");
      return this;
    }

    /** Sets the lexical list's field weights; default {@link RetrievalConfig#defaults()}. */
    public Builder retrieval(RetrievalConfig retrieval) {
      this.retrieval = Objects.requireNonNull(retrieval, "retrieval must not be null");
      return this;
    }

    /**
     * Sets the primary shards of a new store's memory and history indices, 1 to 1024; default 1.
     * One owner's memories always sit in one shard (routing by owner).
     */
    public Builder shards(int shards) {
      if (shards < 1 || shards > 1024) {
        throw new IllegalArgumentException("shards must be between 1 and 1024, got " + shards);
      }
      this.shards = shards;
      return this;
    }

    /** Sets the replicas of a new store's indices, 0 to 16; default 0 (one node). */
    public Builder replicas(int replicas) {
      if (replicas < 0 || replicas > 16) {
        throw new IllegalArgumentException("replicas must be between 0 and 16, got " + replicas);
      }
      this.replicas = replicas;
      return this;
    }

    /**
     * Sets how long an owner's lease lasts without renewal, 1 second to 1 hour; default 30 seconds.
     * A store takes the lease of an owner around each of its writes (a pipeline add with its model
     * calls, an update, a purge), so that JVMs sharing the store write one owner's memories one at
     * a time; the holder renews it every third of this time. A JVM killed while holding it holds up
     * that owner's writes elsewhere for at most this long.
     */
    public Builder leaseTime(Duration leaseTime) {
      Objects.requireNonNull(leaseTime, "leaseTime must not be null");
      if (leaseTime.compareTo(Duration.ofSeconds(1)) < 0
          || leaseTime.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "leaseTime must be between 1 second and 1 hour, got " + leaseTime);
      }
      this.leaseTime = leaseTime;
      return this;
    }

    /**
     * Sets how long a write waits for an owner's lease held by another JVM before it fails with
     * {@link dev.engram.StoreLockedException}, 0 to 1 hour; default 60 seconds (longer than the
     * default lease time, so that a dead holder's lease expires within it).
     */
    public Builder leaseTimeout(Duration leaseTimeout) {
      Objects.requireNonNull(leaseTimeout, "leaseTimeout must not be null");
      if (leaseTimeout.isNegative() || leaseTimeout.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "leaseTimeout must be between 0 and 1 hour, got " + leaseTimeout);
      }
      this.leaseTimeout = leaseTimeout;
      return this;
    }

    /**
     * Connects and opens the backend, creating the indices when they do not exist.
     *
     * @throws dev.engram.StoreIOException naming the URL if the cluster cannot be reached
     * @throws dev.engram.IncompatibleStoreException if the store was built with another model,
     *     dimension, analyzer or passage format
     */
    public MemoryBackend backend() {
      Embedder e =
          lexicalOnly
              ? null
              : embedder != null
                  ? embedder
                  : DefaultEmbedders.forStore(
                      recordedModel().orElse(null), "OpenSearchMemory.builder().embedder(...)");
      return OpenSearchBackend.open(
          new OpenSearchBackend.Options(
              urls,
              user,
              password,
              prefix,
              e,
              analyzer,
              passageFormat,
              retrieval,
              shards,
              replicas,
              leaseTime,
              leaseTimeout));
    }

    /**
     * The id of the embedding model the store this builder names was built with ({@code none} for a
     * lexical-only store), or empty if the cluster holds no such store. Creates nothing.
     *
     * @throws dev.engram.StoreIOException naming the URL if the cluster cannot be reached
     */
    public Optional<String> recordedModel() {
      return Optional.ofNullable(StoreAdmin.recordedModel(urls, user, password, prefix));
    }

    /**
     * Deletes the store this builder names (its indices and template, with every memory and event
     * in them), if it exists.
     *
     * @throws dev.engram.StoreIOException naming the URL if the cluster cannot be reached
     */
    public void deleteStore() {
      StoreAdmin.deleteStore(urls, user, password, prefix);
    }

    /** Opens a store over {@link #backend()} with the store's defaults. */
    public MemoryStore open() {
      return Engram.builder().backend(backend()).build();
    }
  }
}
