package dev.engram.embed;

/**
 * A default embedding model found on the class path through {@link java.util.ServiceLoader}: a
 * store that is given no {@link Embedder} asks the providers for one (memory-embeddings-onnx
 * registers the in-process models). A store that was built with a model reopens with the provider
 * whose {@link #modelId()} it recorded, whatever the priorities; a new store gets the highest
 * priority one. Implementations have a public no-argument constructor and are listed in {@code
 * META-INF/services/dev.engram.embed.EmbedderProvider}.
 */
public interface EmbedderProvider {
  /** The id the model records in a store, e.g. {@code bge-small-en-v1.5-q}. */
  String modelId();

  /**
   * When several providers are on the class path, the highest priority wins (ties: the smaller
   * model id). Default 0.
   */
  default int priority() {
    return 0;
  }

  /** Loads the model; may take seconds. Called once per JVM, by {@link DefaultEmbedders}. */
  Embedder load();
}
