package dev.engram.spring;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Engram's settings under {@code engram.*}.
 *
 * <pre>
 * engram.store.type=embedded          # embedded (default), opensearch or in-memory
 * engram.store.path=/var/lib/app/memory
 * # with engram.store.type=opensearch (and dev.engram:memory-opensearch on the class path):
 * engram.store.url=https://search.example.com:9200
 * engram.store.username=engram        # basic auth, when the cluster has the security plugin
 * engram.store.password=...
 * engram.store.index-prefix=engram    # the indices engram-memories, -history, -log
 * engram.pipeline.enabled=true        # run adds through the LLM pipeline when a ChatModel bean exists
 * engram.advisor.limit=5              # memories recalled into each prompt
 * engram.advisor.min-score=0.0
 * engram.advisor.store-exchanges=true # store each user message and answer
 * </pre>
 *
 * @param store where memories live
 * @param pipeline whether adds go through the LLM pipeline
 * @param advisor what the Spring AI advisor recalls and stores
 */
@ConfigurationProperties("engram")
public record EngramProperties(
    @DefaultValue Store store, @DefaultValue Pipeline pipeline, @DefaultValue Advisor advisor) {

  /** The kinds of store. */
  public enum StoreType {
    /** The durable Lucene store in {@code engram.store.path}. */
    EMBEDDED,
    /**
     * An OpenSearch cluster at {@code engram.store.url}; needs {@code dev.engram:memory-opensearch}
     * on the class path.
     */
    OPENSEARCH,
    /** Memory only, lost on shutdown: for tests and demos. */
    IN_MEMORY
  }

  /**
   * Where memories live.
   *
   * @param type embedded (default), opensearch or in-memory
   * @param path the embedded store's directory; required for the embedded store
   * @param url the OpenSearch cluster's URL; required for the opensearch store
   * @param username the OpenSearch basic-auth user, or none
   * @param password the OpenSearch basic-auth password; required with a username
   * @param indexPrefix the prefix of the OpenSearch index names, or the backend's default ({@code
   *     engram})
   */
  public record Store(
      @DefaultValue("embedded") StoreType type,
      Path path,
      String url,
      String username,
      String password,
      String indexPrefix) {}

  /**
   * The LLM pipeline.
   *
   * @param enabled whether adds go through the pipeline when the context has a Spring AI {@code
   *     ChatModel} bean (default true); without one, texts are stored verbatim
   */
  public record Pipeline(@DefaultValue("true") boolean enabled) {}

  /**
   * The Spring AI advisor.
   *
   * @param limit memories recalled into each prompt, 1 to 100 (default 5)
   * @param minScore the least blended score a recalled memory needs, 0 to 1 (default 0)
   * @param storeExchanges whether each user message and the answer are stored (default true)
   */
  public record Advisor(
      @DefaultValue("5") int limit,
      @DefaultValue("0") double minScore,
      @DefaultValue("true") boolean storeExchanges) {
    /** Validates, naming the property. */
    public Advisor {
      if (limit < 1 || limit > 100) {
        throw new IllegalArgumentException(
            "engram.advisor.limit must be between 1 and 100, got " + limit);
      }
      if (!(minScore >= 0 && minScore <= 1)) {
        throw new IllegalArgumentException(
            "engram.advisor.min-score must be between 0 and 1, got " + minScore);
      }
    }
  }
}
