package dev.engram.recall;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How a store ranks what it recalls; the same for every backend. The defaults are the recipe
 * measured best on LoCoMo (docs/evaluation.md); each part is general to conversations, not to that
 * benchmark. See {@link Recall} for the stages these settings steer.
 */
public final class RecallSettings {
  /** How the lexical and the vector list are combined. */
  public enum Fusion {
    /** Min-max normalise each list, then a weighted sum (the default: measured better). */
    MIN_MAX,
    /** Reciprocal rank fusion with k = 60. */
    RRF,
    /** The lexical list only: the vector list is not asked for. */
    LEXICAL_ONLY,
    /** The vector list only: the lexical list is not asked for. */
    VECTOR_ONLY
  }

  private final int candidateDepth;
  private final Fusion fusion;
  private final double vectorWeight;
  private final double sessionWeight;
  private final double speakerBoost;
  private final double neighbourWeight;
  private final double replyWeight;
  private final double timeWeight;
  private final TimeCues timeCues;
  private final Set<String> queryStopwords;
  private final double reinforceThreshold;
  private final double reinforceNearBest;
  private final double linkFactor;
  private final double staleTurnFactor;

  private RecallSettings(Builder b) {
    this.candidateDepth = b.candidateDepth;
    this.fusion = b.fusion;
    this.vectorWeight = b.vectorWeight;
    this.sessionWeight = b.sessionWeight;
    this.speakerBoost = b.speakerBoost;
    this.neighbourWeight = b.neighbourWeight;
    this.replyWeight = b.replyWeight;
    this.timeWeight = b.timeWeight;
    this.timeCues = b.timeCues;
    this.queryStopwords = b.queryStopwords;
    this.reinforceThreshold = b.reinforceThreshold;
    this.reinforceNearBest = b.reinforceNearBest;
    this.linkFactor = b.linkFactor;
    this.staleTurnFactor = b.staleTurnFactor;
  }

  /** The defaults described on each builder method. */
  public static RecallSettings defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.candidateDepth = candidateDepth;
    b.fusion = fusion;
    b.vectorWeight = vectorWeight;
    b.sessionWeight = sessionWeight;
    b.speakerBoost = speakerBoost;
    b.neighbourWeight = neighbourWeight;
    b.replyWeight = replyWeight;
    b.timeWeight = timeWeight;
    b.timeCues = timeCues;
    b.queryStopwords = queryStopwords;
    b.reinforceThreshold = reinforceThreshold;
    b.reinforceNearBest = reinforceNearBest;
    b.linkFactor = linkFactor;
    b.staleTurnFactor = staleTurnFactor;
    return b;
  }

  /** Candidates the backend supplies per list. */
  public int candidateDepth() {
    return candidateDepth;
  }

  /** The fusion method. */
  public Fusion fusion() {
    return fusion;
  }

  /** Weight of the vector list in {@link Fusion#MIN_MAX}; the lexical list has the rest. */
  public double vectorWeight() {
    return vectorWeight;
  }

  /** γ, the session signal's weight. */
  public double sessionWeight() {
    return sessionWeight;
  }

  /** The boost of a turn whose speaker the query names. */
  public double speakerBoost() {
    return speakerBoost;
  }

  /** β, the neighbour smoothing weight. */
  public double neighbourWeight() {
    return neighbourWeight;
  }

  /** ρ, the share of a question's score a reply to it gains. */
  public double replyWeight() {
    return replyWeight;
  }

  /** The time signal's weight: a hit naming a time scores × (1 + it) for a query about time. */
  public double timeWeight() {
    return timeWeight;
  }

  /** How the time signal tells a query about time and a text that names one. */
  public TimeCues timeCues() {
    return timeCues;
  }

  /** Words dropped from queries before the lexical list, lower-case. */
  public Set<String> queryStopwords() {
    return queryStopwords;
  }

  /** Relevance a hit needs to be reinforced. */
  public double reinforceThreshold() {
    return reinforceThreshold;
  }

  /** Share of its search's best relevance a hit needs to be reinforced. */
  public double reinforceNearBest() {
    return reinforceNearBest;
  }

  /** Share of a hit's score that a memory it links to gets in link expansion. */
  public double linkFactor() {
    return linkFactor;
  }

  /** Factor on the relevance of a turn whose derived facts were all superseded. */
  public double staleTurnFactor() {
    return staleTurnFactor;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "RecallSettings[candidateDepth=%d, fusion=%s, vectorWeight=%s, sessionWeight=%s,"
            + " speakerBoost=%s, neighbourWeight=%s, replyWeight=%s, timeWeight=%s,"
            + " queryStopwords=%d words,"
            + " reinforceThreshold=%s, reinforceNearBest=%s, linkFactor=%s, staleTurnFactor=%s]",
        candidateDepth,
        fusion,
        vectorWeight,
        sessionWeight,
        speakerBoost,
        neighbourWeight,
        replyWeight,
        timeWeight,
        queryStopwords.size(),
        reinforceThreshold,
        reinforceNearBest,
        linkFactor,
        staleTurnFactor);
  }

  /** Builds {@link RecallSettings}; each setter validates at once and states its default. */
  public static final class Builder {
    private int candidateDepth = 100;
    private Fusion fusion = Fusion.MIN_MAX;
    private double vectorWeight = 0.5;
    private double sessionWeight = 0.2;
    private double speakerBoost = 0.2;
    private double neighbourWeight = 0.2;
    private double replyWeight = 0.2;
    private double timeWeight = 0.2;
    private TimeCues timeCues = TimeCues.english();
    private Set<String> queryStopwords = EnglishStopwords.WORDS;
    private double reinforceThreshold = 0.3;
    private double reinforceNearBest = 0.85;
    private double linkFactor = 0.5;
    private double staleTurnFactor = 0.25;

    private Builder() {}

    /**
     * Sets how many candidates the backend supplies per list (lexical and vector), 10 to 2000;
     * default 100. The ranking of a query depends on it and never on the caller's limit, so a
     * search returns at most the candidates it yields: raise it for result lists longer than that.
     */
    public Builder candidateDepth(int depth) {
      if (depth < 10 || depth > 2000) {
        throw new IllegalArgumentException(
            "candidateDepth must be between 10 and 2000, got " + depth);
      }
      this.candidateDepth = depth;
      return this;
    }

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

    /**
     * Sets γ, in [0, 1]: a turn gains γ × its session's summed score ÷ the best session's; default
     * 0.2. 0 turns it off.
     */
    public Builder sessionWeight(double weight) {
      this.sessionWeight = unit("sessionWeight", weight);
      return this;
    }

    /** Sets the boost of a turn whose speaker the query names, in [0, 1]; default 0.2. */
    public Builder speakerBoost(double boost) {
      this.speakerBoost = unit("speakerBoost", boost);
      return this;
    }

    /**
     * Sets β, in [0, 1]: a turn gains β × the best score of the turn just before or after it in its
     * session, when that one is a candidate too; default 0.2. 0 turns it off.
     */
    public Builder neighbourWeight(double weight) {
      this.neighbourWeight = unit("neighbourWeight", weight);
      return this;
    }

    /**
     * Sets ρ, in [0, 1]: a turn that follows a question by another speaker in its session gains ρ ×
     * that question's score, when the question is a candidate too; default 0.2 (measured on LoCoMo:
     * docs/evaluation.md). 0 turns it off.
     */
    public Builder replyWeight(double weight) {
      this.replyWeight = unit("replyWeight", weight);
      return this;
    }

    /**
     * Sets the time signal's weight, in [0, 1]: when the query asks about time ({@link
     * TimeCues#asksAboutTime}), a hit whose text names a time ({@link TimeCues#namesTime}) scores ×
     * (1 + weight); default 0.2 (measured on LoCoMo: docs/evaluation.md). 0 turns it off.
     */
    public Builder timeWeight(double weight) {
      this.timeWeight = unit("timeWeight", weight);
      return this;
    }

    /**
     * Sets the cues by which the time signal tells a query about time and a text that names one;
     * default {@link TimeCues#english()}. Use the store's language.
     */
    public Builder timeCues(TimeCues cues) {
      this.timeCues = Objects.requireNonNull(cues, "timeCues must not be null");
      return this;
    }

    /**
     * Sets the words dropped from queries before the lexical list (matched lower-case); default
     * {@link EnglishStopwords#WORDS}. Use the store's language, or an empty set.
     */
    public Builder queryStopwords(Set<String> words) {
      Objects.requireNonNull(words, "queryStopwords must not be null (use Set.of())");
      this.queryStopwords =
          Set.copyOf(words.stream().map(w -> w.toLowerCase(Locale.ROOT)).toList());
      return this;
    }

    /**
     * Sets the relevance in [0, 1] a hit needs for the search to reinforce it (count an access,
     * strengthen it, restart its forgetting curve); default 0.3. A hit below it was returned to
     * fill the list, not recalled. 1 reinforces only perfect matches; 0 every hit.
     */
    public Builder reinforceThreshold(double threshold) {
      this.reinforceThreshold = unit("reinforceThreshold", threshold);
      return this;
    }

    /**
     * Sets the share, in [0, 1], of the best relevance among a search's hits that a hit also needs
     * to be reinforced; default 0.85. Relevance is relative to the candidates, so the memories that
     * only fill a list can clear {@link #reinforceThreshold} on a small store; this keeps
     * reinforcement to the hits the search found. 0 turns the rule off.
     */
    public Builder reinforceNearBest(double share) {
      this.reinforceNearBest = unit("reinforceNearBest", share);
      return this;
    }

    /**
     * Sets the share of a hit's score a linked memory gets in link expansion, in [0, 1]; default
     * 0.5.
     */
    public Builder linkFactor(double factor) {
      this.linkFactor = unit("linkFactor", factor);
      return this;
    }

    /**
     * Sets the factor, in [0, 1], on the relevance of a turn every fact derived from which was
     * invalidated or rewritten since (what it said is out of date); default 0.25, so that such a
     * turn falls below memories that are merely related (measured on the knowledge-update suite: at
     * 0.5 a stale turn stayed second in a small store). It applies to searches at the present only:
     * as of an earlier date the turn was not out of date. Such a turn also always ranks below the
     * facts that superseded it. 1 turns the factor off.
     */
    public Builder staleTurnFactor(double factor) {
      this.staleTurnFactor = unit("staleTurnFactor", factor);
      return this;
    }

    private static double unit(String name, double v) {
      if (!(v >= 0 && v <= 1)) {
        throw new IllegalArgumentException(name + " must be between 0 and 1, got " + v);
      }
      return v;
    }

    /** Builds the settings. */
    public RecallSettings build() {
      return new RecallSettings(this);
    }
  }
}
