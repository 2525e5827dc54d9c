package dev.engram.recall;

import dev.engram.decay.RankingWeights;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Why a search hit scored what it did.
 *
 * @param relevance how well the memory matches the query, in [0, 1] (see {@link Recall})
 * @param retention Ebbinghaus retention at query time, in (0, 1]
 * @param importance the memory's importance, in [0, 1]
 * @param weights the blend weights used
 * @param score the blended score
 * @param signals the component scores (e.g. {@code bm25}, {@code vector}, {@code fused}, {@code
 *     reply}, {@code timeFactor} when the time signal applied)
 */
public record ScoreBreakdown(
    double relevance,
    double retention,
    double importance,
    RankingWeights weights,
    double score,
    Map<String, Double> signals) {
  /** Validates. */
  public ScoreBreakdown {
    Objects.requireNonNull(weights, "weights");
    signals = Map.copyOf(signals);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "score %.3f = relevance %.3f x %.2f + retention %.3f x %.2f + importance %.2f x %.2f (normalised) %s",
        score,
        relevance,
        weights.relevance(),
        retention,
        weights.retention(),
        importance,
        weights.importance(),
        signals);
  }
}
