package dev.engram.embed;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default models of stores that are given no {@link Embedder}, found through {@link
 * EmbedderProvider} and shared by every backend, so that each model is loaded once per JVM (it
 * takes a second or two; the models are thread-safe).
 */
public final class DefaultEmbedders {
  private static final ConcurrentHashMap<String, Embedder> LOADED = new ConcurrentHashMap<>();

  private DefaultEmbedders() {}

  /**
   * The provider's model for {@code recordedModel} when one offers it, else the highest priority
   * one (a new store, or {@code null}).
   *
   * @param howToSetOne the store's own way to give it a model, named in the error when no provider
   *     is on the class path, e.g. {@code EmbeddedMemory.backend(dir).embedder(...)}
   * @throws IllegalStateException if no provider is on the class path
   */
  public static Embedder forStore(String recordedModel, String howToSetOne) {
    EmbedderProvider p = find(recordedModel, howToSetOne);
    return LOADED.computeIfAbsent(p.modelId(), id -> p.load());
  }

  private static EmbedderProvider find(String recordedModel, String howToSetOne) {
    List<EmbedderProvider> providers = new ArrayList<>();
    ServiceLoader.load(EmbedderProvider.class, DefaultEmbedders.class.getClassLoader())
        .forEach(providers::add);
    if (providers.isEmpty()) {
      throw new IllegalStateException(
          "no embedding model: add the dependency dev.engram:memory-embeddings-onnx (the"
              + " in-process default model), or give the store one with "
              + howToSetOne
              + ", or use .lexicalOnly()");
    }
    for (EmbedderProvider p : providers) {
      if (p.modelId().equals(recordedModel)) {
        return p;
      }
    }
    providers.sort(
        Comparator.comparingInt(EmbedderProvider::priority)
            .reversed()
            .thenComparing(EmbedderProvider::modelId));
    return providers.get(0);
  }
}
