package dev.engram.decay;

/**
 * How search blends its signals (Generative Agents / FinMem style):
 *
 * <pre>
 * score = (w_rel · relevance + w_ret · retention + w_imp · importance) / (w_rel + w_ret + w_imp)
 * </pre>
 *
 * <p>Each signal is in [0, 1], so the score is too.
 *
 * @param relevance weight of query relevance; default 0.7
 * @param retention weight of Ebbinghaus retention; default 0.2
 * @param importance weight of importance; default 0.1
 */
public record RankingWeights(double relevance, double retention, double importance) {
  /** The defaults. */
  public static final RankingWeights DEFAULT = new RankingWeights(0.7, 0.2, 0.1);

  /** Relevance only: what a plain retriever would return. */
  public static final RankingWeights RELEVANCE_ONLY = new RankingWeights(1, 0, 0);

  /** Validates the weights. */
  public RankingWeights {
    check("relevance", relevance);
    check("retention", retention);
    check("importance", importance);
    if (relevance + retention + importance <= 0) {
      throw new IllegalArgumentException("ranking weights must not all be 0");
    }
  }

  private static void check(String name, double w) {
    if (!(w >= 0 && w <= 1000)) {
      throw new IllegalArgumentException(
          "ranking weight " + name + " must be between 0 and 1000, got " + w);
    }
  }

  /** The blended score of three signals in [0, 1]. */
  public double blend(double relevanceSignal, double retentionSignal, double importanceSignal) {
    return (relevance * relevanceSignal
            + retention * retentionSignal
            + importance * importanceSignal)
        / (relevance + retention + importance);
  }
}
