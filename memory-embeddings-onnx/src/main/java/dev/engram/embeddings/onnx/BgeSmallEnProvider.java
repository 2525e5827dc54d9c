package dev.engram.embeddings.onnx;

import dev.engram.embed.Embedder;
import dev.engram.embed.EmbedderProvider;

/**
 * Registers {@link OnnxEmbedders#bgeSmallEn()}, the default model before e5-small-v2, so that the
 * stores built with it reopen with it when no embedder is set. Its priority is below the default's:
 * a new store never gets it (found through {@link java.util.ServiceLoader}; not for direct use).
 */
public final class BgeSmallEnProvider implements EmbedderProvider {
  /** For the service loader. */
  public BgeSmallEnProvider() {}

  @Override
  public String modelId() {
    return OnnxEmbedders.BGE_SMALL_EN_ID;
  }

  @Override
  public int priority() {
    return -1;
  }

  @Override
  public Embedder load() {
    return OnnxEmbedders.bgeSmallEn();
  }
}
