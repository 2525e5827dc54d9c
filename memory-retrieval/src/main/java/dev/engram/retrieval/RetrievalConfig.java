package dev.engram.retrieval;

import java.util.Objects;

/**
 * How the embedded store ranks candidates. The defaults are the recipe measured best on LoCoMo
 * (docs/evaluation.md); each part is general to conversations, not to that benchmark.
 *
 * <ol>
 *   <li>BM25 over the memory's dated, attributed text ({@code On 8 May 2023, Caroline said: …}),
 *       its keywords and tags, its context line, and — for conversation turns — the previous turn,
 *       and an HNSW vector search, each taking {@link Builder#depth(int)} candidates under the
 *       filter.
 *   <li>{@link Fusion#MIN_MAX}: each list's scores are min-max normalised over that list and
 *       combined as {@code α·bm25 + (1−α)·vector}; or {@link Fusion#RRF} (reciprocal rank fusion, k
 *       = 60).
 *   <li>Session signal: a turn gains {@code γ × (its session's summed score ÷ the best session's)}.
 *   <li>Speaker boost: a turn whose speaker is named in the query gains a fixed amount.
 *   <li>Neighbour smoothing: a turn gains {@code β × the best score of the turn just before or
 *       after it} in its session, when that turn is a candidate too.
 * </ol>
 */
public final class RetrievalConfig {
  /** How the BM25 and vector lists are combined. */
  public enum Fusion {
    /** Min-max normalise each list, then a weighted sum (the default: measured better). */
    MIN_MAX,
    /** Reciprocal rank fusion with k = 60 ({@code TopDocs.rrf}). */
    RRF,
    /** BM25 only: no embeddings are computed or stored. */
    LEXICAL_ONLY,
    /** Vectors only: the BM25 list is skipped (the conversation signals still apply). */
    VECTOR_ONLY
  }

  private final Fusion fusion;
  private final double vectorWeight;
  private final int depth;
  private final double previousTurnWeight;
  private final double labelsWeight;
  private final double contextWeight;
  private final double sessionWeight;
  private final double speakerBoost;
  private final double neighbourWeight;

  private RetrievalConfig(Builder b) {
    this.fusion = b.fusion;
    this.vectorWeight = b.vectorWeight;
    this.depth = b.depth;
    this.previousTurnWeight = b.previousTurnWeight;
    this.labelsWeight = b.labelsWeight;
    this.contextWeight = b.contextWeight;
    this.sessionWeight = b.sessionWeight;
    this.speakerBoost = b.speakerBoost;
    this.neighbourWeight = b.neighbourWeight;
  }

  /** The defaults described on each builder method. */
  public static RetrievalConfig defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.fusion = fusion;
    b.vectorWeight = vectorWeight;
    b.depth = depth;
    b.previousTurnWeight = previousTurnWeight;
    b.labelsWeight = labelsWeight;
    b.contextWeight = contextWeight;
    b.sessionWeight = sessionWeight;
    b.speakerBoost = speakerBoost;
    b.neighbourWeight = neighbourWeight;
    return b;
  }

  /** The fusion method. */
  public Fusion fusion() {
    return fusion;
  }

  /** Weight (1−α) of the vector list in {@link Fusion#MIN_MAX}. */
  public double vectorWeight() {
    return vectorWeight;
  }

  /** Candidates taken from each list. */
  public int depth() {
    return depth;
  }

  /** BM25 boost of the previous-turn field. */
  public double previousTurnWeight() {
    return previousTurnWeight;
  }

  /** BM25 boost of the keywords-and-tags field. */
  public double labelsWeight() {
    return labelsWeight;
  }

  /** BM25 boost of the context field. */
  public double contextWeight() {
    return contextWeight;
  }

  /** γ, the session signal's weight. */
  public double sessionWeight() {
    return sessionWeight;
  }

  /** The speaker boost. */
  public double speakerBoost() {
    return speakerBoost;
  }

  /** β, the neighbour smoothing weight. */
  public double neighbourWeight() {
    return neighbourWeight;
  }

  @Override
  public String toString() {
    return "RetrievalConfig[fusion="
        + fusion
        + ", vectorWeight="
        + vectorWeight
        + ", depth="
        + depth
        + ", previousTurnWeight="
        + previousTurnWeight
        + ", labelsWeight="
        + labelsWeight
        + ", contextWeight="
        + contextWeight
        + ", sessionWeight="
        + sessionWeight
        + ", speakerBoost="
        + speakerBoost
        + ", neighbourWeight="
        + neighbourWeight
        + "]";
  }

  /** Builds {@link RetrievalConfig}s; each setter validates at once and states its default. */
  public static final class Builder {
    private Fusion fusion = Fusion.MIN_MAX;
    private double vectorWeight = 0.5;
    private int depth = 100;
    private double previousTurnWeight = 0.3;
    private double labelsWeight = 0.5;
    private double contextWeight = 0.3;
    private double sessionWeight = 0.2;
    private double speakerBoost = 0.2;
    private double neighbourWeight = 0.2;

    private Builder() {}

    /** Sets the fusion method; default {@link Fusion#MIN_MAX}. */
    public Builder fusion(Fusion fusion) {
      this.fusion = Objects.requireNonNull(fusion, "fusion must not be null");
      return this;
    }

    /** Sets the vector list's weight in min-max fusion, in [0, 1]; default 0.5. */
    public Builder vectorWeight(double weight) {
      this.vectorWeight = unit("vectorWeight", weight);
      return this;
    }

    /** Sets how many candidates each list contributes, 10 to 2000; default 100. */
    public Builder depth(int depth) {
      if (depth < 10 || depth > 2000) {
        throw new IllegalArgumentException("depth must be between 10 and 2000, got " + depth);
      }
      this.depth = depth;
      return this;
    }

    /** Sets the BM25 boost of the previous-turn field, in [0, 1]; default 0.3. */
    public Builder previousTurnWeight(double weight) {
      this.previousTurnWeight = unit("previousTurnWeight", weight);
      return this;
    }

    /** Sets the BM25 boost of keywords and tags, in [0, 1]; default 0.5. */
    public Builder labelsWeight(double weight) {
      this.labelsWeight = unit("labelsWeight", weight);
      return this;
    }

    /** Sets the BM25 boost of the context line, in [0, 1]; default 0.3. */
    public Builder contextWeight(double weight) {
      this.contextWeight = unit("contextWeight", weight);
      return this;
    }

    /** Sets γ, the session signal's weight, in [0, 1]; default 0.2. 0 turns it off. */
    public Builder sessionWeight(double weight) {
      this.sessionWeight = unit("sessionWeight", weight);
      return this;
    }

    /** Sets the boost of a turn whose speaker the query names, in [0, 1]; default 0.2. */
    public Builder speakerBoost(double boost) {
      this.speakerBoost = unit("speakerBoost", boost);
      return this;
    }

    /** Sets β, the neighbour smoothing weight, in [0, 1]; default 0.2. 0 turns it off. */
    public Builder neighbourWeight(double weight) {
      this.neighbourWeight = unit("neighbourWeight", weight);
      return this;
    }

    private static double unit(String name, double v) {
      if (!(v >= 0 && v <= 1)) {
        throw new IllegalArgumentException(name + " must be between 0 and 1, got " + v);
      }
      return v;
    }

    /** Builds the configuration. */
    public RetrievalConfig build() {
      return new RetrievalConfig(this);
    }
  }
}
