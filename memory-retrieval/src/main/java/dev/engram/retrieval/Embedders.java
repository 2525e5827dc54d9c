package dev.engram.retrieval;

import dev.engram.embed.Embedder;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An adapter for any langchain4j {@link EmbeddingModel} (a remote one such as OpenAI's, or an
 * in-process ONNX model from a Maven jar). The in-process default model lives in
 * memory-embeddings-onnx ({@code OnnxEmbedders}), so that a store with a remote embedder does not
 * carry onnxruntime.
 */
public final class Embedders {
  /** bge's instruction for queries; passages are embedded without one. */
  public static final String BGE_QUERY_PREFIX =
      "Represent this sentence for searching relevant passages: ";

  private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._:/-]{1,128}");

  private Embedders() {}

  /**
   * Any langchain4j embedding model.
   *
   * @param modelId a stable name recorded in the store, e.g. {@code bge-small-zh-v1.5-q}; a store
   *     refuses to open with a different one
   * @param queryPrefix prepended to queries (bge: {@link #BGE_QUERY_PREFIX}; e5: {@code "query: "})
   * @param passagePrefix prepended to stored texts (e5: {@code "passage: "}), or empty
   */
  public static Embedder of(
      EmbeddingModel model, String modelId, String queryPrefix, String passagePrefix) {
    Objects.requireNonNull(model, "model must not be null");
    if (modelId == null || !MODEL_ID.matcher(modelId).matches()) {
      throw new IllegalArgumentException(
          "modelId must be 1 to 128 letters, digits or . _ : / -, got '" + modelId + "'");
    }
    Objects.requireNonNull(queryPrefix, "queryPrefix must not be null (use \"\")");
    Objects.requireNonNull(passagePrefix, "passagePrefix must not be null (use \"\")");
    return new LangChain4jEmbedder(model, modelId, queryPrefix, passagePrefix);
  }

  private static final class LangChain4jEmbedder implements Embedder {
    private final EmbeddingModel model;
    private final String modelId;
    private final String queryPrefix;
    private final String passagePrefix;
    private final int dimension;

    LangChain4jEmbedder(
        EmbeddingModel model, String modelId, String queryPrefix, String passagePrefix) {
      this.model = model;
      this.modelId = modelId;
      this.queryPrefix = queryPrefix;
      this.passagePrefix = passagePrefix;
      this.dimension = model.dimension();
    }

    @Override
    public String modelId() {
      return modelId;
    }

    @Override
    public int dimension() {
      return dimension;
    }

    @Override
    public float[] embed(String text) {
      return normalized(model.embed(passagePrefix + text).content());
    }

    @Override
    public float[] embedQuery(String query) {
      return normalized(model.embed(queryPrefix + query).content());
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
      List<TextSegment> segments = new ArrayList<>(texts.size());
      texts.forEach(t -> segments.add(TextSegment.from(passagePrefix + t)));
      List<Embedding> embeddings = model.embedAll(segments).content();
      List<float[]> out = new ArrayList<>(embeddings.size());
      embeddings.forEach(e -> out.add(normalized(e)));
      return out;
    }

    /** Dot product needs unit vectors; most models return them, this makes sure. */
    private float[] normalized(Embedding e) {
      float[] v = e.vector();
      if (v.length != dimension) {
        throw new IllegalStateException(
            modelId + " returned " + v.length + " dimensions; it declared " + dimension);
      }
      double norm = 0;
      for (float x : v) {
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      if (norm == 0 || Math.abs(norm - 1) < 1e-4) {
        return v;
      }
      float[] out = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        out[i] = (float) (v[i] / norm);
      }
      return out;
    }

    @Override
    public String toString() {
      return modelId + " (" + dimension + " dimensions)";
    }
  }
}
