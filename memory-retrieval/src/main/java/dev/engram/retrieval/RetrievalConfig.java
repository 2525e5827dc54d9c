package dev.engram.retrieval;

import java.util.Locale;

/**
 * How the embedded store forms its lexical candidate list: BM25 over the memory's dated, attributed
 * text ({@code On 8 May 2023, Caroline said: …}), plus, with these boosts, its keywords and tags,
 * its context line, and — for conversation turns — the previous turn. Everything after the
 * candidate lists (fusion, conversation signals, the blend) is the store's, the same for every
 * backend: see {@code dev.engram.recall.RecallSettings}.
 */
public final class RetrievalConfig {
  private final double previousTurnWeight;
  private final double labelsWeight;
  private final double contextWeight;

  private RetrievalConfig(Builder b) {
    this.previousTurnWeight = b.previousTurnWeight;
    this.labelsWeight = b.labelsWeight;
    this.contextWeight = b.contextWeight;
  }

  /** The defaults described on each builder method. */
  public static RetrievalConfig defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
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

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "RetrievalConfig[previousTurnWeight=%s, labelsWeight=%s, contextWeight=%s]",
        previousTurnWeight,
        labelsWeight,
        contextWeight);
  }

  /** Builds {@link RetrievalConfig}s; each setter validates at once and states its default. */
  public static final class Builder {
    private double previousTurnWeight = 0.3;
    private double labelsWeight = 0.5;
    private double contextWeight = 0.3;

    private Builder() {}

    /** Sets the BM25 boost of the previous-turn field, in [0, 1]; default 0.3. 0 drops it. */
    public Builder previousTurnWeight(double weight) {
      this.previousTurnWeight = unit("previousTurnWeight", weight);
      return this;
    }

    /** Sets the BM25 boost of keywords and tags, in [0, 1]; default 0.5. 0 drops them. */
    public Builder labelsWeight(double weight) {
      this.labelsWeight = unit("labelsWeight", weight);
      return this;
    }

    /** Sets the BM25 boost of the context line, in [0, 1]; default 0.3. 0 drops it. */
    public Builder contextWeight(double weight) {
      this.contextWeight = unit("contextWeight", weight);
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
