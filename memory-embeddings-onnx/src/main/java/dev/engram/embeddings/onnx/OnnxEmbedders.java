package dev.engram.embeddings.onnx;

import dev.engram.embed.Embedder;
import dev.engram.embeddings.onnx.internal.InProcessOnnxModel;
import dev.engram.retrieval.Embedders;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;

/**
 * In-process embedding models: no download, no API key, no network. With this module on the class
 * path, {@code EmbeddedMemory} uses {@link #bgeSmallEn()} when no embedder is set.
 */
public final class OnnxEmbedders {
  /** The id {@link #bgeSmallEn()} records in a store. */
  public static final String BGE_SMALL_EN_ID = "bge-small-en-v1.5-q";

  private OnnxEmbedders() {}

  /**
   * bge-small-en-v1.5, quantised, in process through onnxruntime (it ships in a Maven jar: no
   * download, no API key): 384 dimensions, English-first. Loading it takes a second or two.
   */
  public static Embedder bgeSmallEn() {
    // langchain4j's model jar, run in a session tuned for a store (see InProcessOnnxModel).
    return Embedders.of(
        InProcessOnnxModel.load(
            BgeSmallEnV15QuantizedEmbeddingModel.class,
            "bge-small-en-v1.5-q.onnx",
            "bge-small-en-v1.5-q-tokenizer.json",
            PoolingMode.CLS,
            384),
        BGE_SMALL_EN_ID,
        Embedders.BGE_QUERY_PREFIX,
        "");
  }
}
