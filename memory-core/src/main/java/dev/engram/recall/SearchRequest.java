package dev.engram.recall;

import dev.engram.decay.RankingWeights;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import java.time.Instant;
import java.util.Objects;

/**
 * A recall query. Build with {@link #builder(Scope, String)}; every setter validates its argument.
 *
 * <p>By default a search returns active memories of the scope that are valid now, ranked by the
 * blend of relevance, retention and importance, and reinforces the hits it really recalled (those
 * whose relevance clears {@link RecallSettings.Builder#reinforceThreshold(double)}): recall
 * strengthens memory.
 */
public final class SearchRequest {
  /** The largest limit. */
  public static final int MAX_LIMIT = 1000;

  /** Longest query, in characters. */
  public static final int MAX_QUERY_LENGTH = 8192;

  private final Scope scope;
  private final String query;
  private final Filter filter;
  private final int limit;
  private final double minScore;
  private final boolean explain;
  private final boolean includeArchived;
  private final Instant asOf;
  private final boolean expandLinks;
  private final boolean reinforce;
  private final RankingWeights weights;
  private final float[] queryVector;

  private SearchRequest(Builder b) {
    this.scope = b.scope;
    this.query = b.query;
    this.filter = b.filter;
    this.limit = b.limit;
    this.minScore = b.minScore;
    this.explain = b.explain;
    this.includeArchived = b.includeArchived;
    this.asOf = b.asOf;
    this.expandLinks = b.expandLinks;
    this.reinforce = b.reinforce;
    this.weights = b.weights;
    this.queryVector = b.queryVector;
  }

  /** A builder for a query in a scope. */
  public static Builder builder(Scope scope, String query) {
    return new Builder(scope, query);
  }

  /** A query with every default. */
  public static SearchRequest of(Scope scope, String query) {
    return builder(scope, query).build();
  }

  /** Whose memory to search. */
  public Scope scope() {
    return scope;
  }

  /** The query text. */
  public String query() {
    return query;
  }

  /** Extra conditions; {@link Filter#all()} when none. */
  public Filter filter() {
    return filter;
  }

  /** Most hits to return (link expansion may add more). */
  public int limit() {
    return limit;
  }

  /** Hits scoring below this are dropped. */
  public double minScore() {
    return minScore;
  }

  /** Whether hits carry a {@link ScoreBreakdown}. */
  public boolean explain() {
    return explain;
  }

  /** Whether archived memories are searched too. */
  public boolean includeArchived() {
    return includeArchived;
  }

  /** The instant whose truth is asked for, or {@code null} for now. */
  public Instant asOf() {
    return asOf;
  }

  /** Whether hits' linked memories are added. */
  public boolean expandLinks() {
    return expandLinks;
  }

  /** Whether returned memories are reinforced. */
  public boolean reinforce() {
    return reinforce;
  }

  /** The blend weights, or {@code null} for the store's. */
  public RankingWeights weights() {
    return weights;
  }

  /** The query's embedding supplied by the caller, or {@code null} to have the store embed it. */
  public float[] queryVector() {
    return queryVector == null ? null : queryVector.clone();
  }

  /** A builder holding this request's settings, to derive another request from it. */
  public Builder toBuilder() {
    Builder b = new Builder(scope, query);
    b.filter = filter;
    b.limit = limit;
    b.minScore = minScore;
    b.explain = explain;
    b.includeArchived = includeArchived;
    b.asOf = asOf;
    b.expandLinks = expandLinks;
    b.reinforce = reinforce;
    b.weights = weights;
    b.queryVector = queryVector;
    return b;
  }

  /** Builds {@link SearchRequest}s. */
  public static final class Builder {
    private final Scope scope;
    private final String query;
    private Filter filter = Filter.all();
    private int limit = 10;
    private double minScore;
    private boolean explain;
    private boolean includeArchived;
    private Instant asOf;
    private boolean expandLinks;
    private boolean reinforce = true;
    private RankingWeights weights;
    private float[] queryVector;

    private Builder(Scope scope, String query) {
      this.scope = Objects.requireNonNull(scope, "scope must not be null");
      if (query == null || query.isBlank()) {
        throw new IllegalArgumentException("query must not be null or blank");
      }
      if (query.length() > MAX_QUERY_LENGTH) {
        throw new IllegalArgumentException(
            "query is "
                + query.length()
                + " characters; at most "
                + MAX_QUERY_LENGTH
                + " are allowed");
      }
      this.query = query;
    }

    /** Narrows the search; filters can never widen the scope. Default: no extra condition. */
    public Builder filter(Filter filter) {
      this.filter = Objects.requireNonNull(filter, "filter must not be null");
      return this;
    }

    /** Sets the most hits to return, 1 to {@value #MAX_LIMIT}; default 10. */
    public Builder limit(int limit) {
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new IllegalArgumentException(
            "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
      }
      this.limit = limit;
      return this;
    }

    /** Drops hits whose blended score is below this, in [0, 1]; default 0 (keep all). */
    public Builder minScore(double minScore) {
      if (!(minScore >= 0 && minScore <= 1)) {
        throw new IllegalArgumentException("minScore must be between 0 and 1, got " + minScore);
      }
      this.minScore = minScore;
      return this;
    }

    /** Attaches a {@link ScoreBreakdown} to each hit; default false. */
    public Builder explain(boolean explain) {
      this.explain = explain;
      return this;
    }

    /** Searches archived memories too; default false. */
    public Builder includeArchived(boolean includeArchived) {
      this.includeArchived = includeArchived;
      return this;
    }

    /**
     * Asks what was true at {@code instant}: memories valid then (valid-from &lt;= instant &lt;
     * valid-to), including ones invalidated since. Default: now, active memories only.
     */
    public Builder asOf(Instant instant) {
      this.asOf = Memory.checkTime("asOf", instant);
      return this;
    }

    /** Adds the memories that hits link to (same scope only), after the hits; default false. */
    public Builder expandLinks(boolean expandLinks) {
      this.expandLinks = expandLinks;
      return this;
    }

    /**
     * Whether returned memories are reinforced (access count, strength, restarted forgetting
     * curve); default true. Turn it off for evaluation and inspection.
     */
    public Builder reinforce(boolean reinforce) {
      this.reinforce = reinforce;
      return this;
    }

    /** Overrides the store's blend weights for this query. */
    public Builder weights(RankingWeights weights) {
      this.weights = Objects.requireNonNull(weights, "weights must not be null");
      return this;
    }

    /**
     * Supplies the query's embedding, computed by the caller with the store's model (as a query:
     * with the model's query instruction, if it has one), so the store does not embed the text
     * again; default none. The text still drives the lexical list.
     */
    public Builder queryVector(float[] vector) {
      Objects.requireNonNull(vector, "queryVector must not be null");
      if (vector.length == 0) {
        throw new IllegalArgumentException("queryVector must not be empty");
      }
      for (float f : vector) {
        if (!Float.isFinite(f)) {
          throw new IllegalArgumentException("queryVector must hold finite numbers only");
        }
      }
      this.queryVector = vector.clone();
      return this;
    }

    /** Builds the request. */
    public SearchRequest build() {
      return new SearchRequest(this);
    }
  }
}
