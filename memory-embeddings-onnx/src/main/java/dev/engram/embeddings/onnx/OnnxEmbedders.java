package dev.engram.embeddings.onnx;

import dev.engram.embed.Embedder;
import dev.engram.embeddings.onnx.internal.InProcessOnnxModel;
import dev.engram.retrieval.Embedders;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.e5smallv2q.E5SmallV2QuantizedEmbeddingModel;

/**
 * In-process embedding models: no download, no API key, no network. With this module on the class
 * path, {@code EmbeddedMemory} uses {@link #e5SmallV2()} for a new store when no embedder is set,
 * and reopens a store built with {@link #bgeSmallEn()} (the default before) with that model.
 */
public final class OnnxEmbedders {
  /** The id {@link #e5SmallV2()} records in a store. */
  public static final String E5_SMALL_V2_ID = "e5-small-v2-q";

  /** The id {@link #bgeSmallEn()} records in a store. */
  public static final String BGE_SMALL_EN_ID = "bge-small-en-v1.5-q";

  /** e5's prefix for queries. */
  static final String E5_QUERY_PREFIX = "query: ";

  /** e5's prefix for stored texts. */
  static final String E5_PASSAGE_PREFIX = "passage: ";

  private OnnxEmbedders() {}

  /**
   * e5-small-v2, quantised, in process through onnxruntime (it ships in a Maven jar: no download,
   * no API key): 384 dimensions, English. The default model: on LoCoMo it recalls more than
   * bge-small (docs/evaluation.md). Queries are embedded with e5's {@code "query: "} prefix and
   * stored texts with {@code "passage: "}, as the model was trained. Loading it takes a second or
   * two.
   */
  public static Embedder e5SmallV2() {
    return Embedders.of(
        InProcessOnnxModel.load(
            E5SmallV2QuantizedEmbeddingModel.class,
            "e5-small-v2-q.onnx",
            "e5-small-v2-q-tokenizer.json",
            PoolingMode.MEAN,
            384),
        E5_SMALL_V2_ID,
        E5_QUERY_PREFIX,
        E5_PASSAGE_PREFIX);
  }

  /**
   * bge-small-en-v1.5, quantised, in process through onnxruntime (it ships in a Maven jar: no
   * download, no API key): 384 dimensions, English-first. The default model before {@link
   * #e5SmallV2()}; stores built with it keep it. Loading it takes a second or two.
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
