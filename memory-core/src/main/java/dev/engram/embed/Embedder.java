package dev.engram.embed;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns text into vectors for semantic search. Implementations must be thread-safe and return
 * L2-normalised vectors of {@link #dimension()} floats.
 */
public interface Embedder {

  /**
   * A stable name of the model, recorded by persistent stores so that they refuse a different one.
   */
  String modelId();

  /** The vector length. */
  int dimension();

  /** Embeds a stored text (a passage). */
  float[] embed(String text);

  /**
   * Embeds a query. Models trained with an instruction for queries (bge's "Represent this sentence
   * for searching relevant passages: ") add it here.
   */
  default float[] embedQuery(String query) {
    return embed(query);
  }

  /** Embeds many passages; implementations should batch, which is several times faster. */
  default List<float[]> embedAll(List<String> texts) {
    List<float[]> out = new ArrayList<>(texts.size());
    for (String t : texts) {
      out.add(embed(t));
    }
    return out;
  }
}
