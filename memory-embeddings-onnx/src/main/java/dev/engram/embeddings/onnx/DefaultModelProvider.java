package dev.engram.embeddings.onnx;

import dev.engram.embed.Embedder;
import dev.engram.embed.EmbedderProvider;

/**
 * Registers {@link OnnxEmbedders#e5SmallV2()} as the embedded store's default model (found through
 * {@link java.util.ServiceLoader}; not for direct use).
 */
public final class DefaultModelProvider implements EmbedderProvider {
  /** For the service loader. */
  public DefaultModelProvider() {}

  @Override
  public String modelId() {
    return OnnxEmbedders.E5_SMALL_V2_ID;
  }

  @Override
  public Embedder load() {
    return OnnxEmbedders.e5SmallV2();
  }
}
