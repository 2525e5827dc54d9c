package dev.engram.spring.internal;

import dev.engram.backend.MemoryBackend;
import dev.engram.opensearch.OpenSearchMemory;
import dev.engram.spring.EngramProperties;

/**
 * Builds the OpenSearch backend from {@code engram.store.*}. A class of its own so that memory-
 * opensearch, an optional dependency of the starter, is loaded only when the store type asks for
 * it.
 */
public final class OpenSearchStores {
  private OpenSearchStores() {}

  /**
   * The backend {@code store} describes.
   *
   * @throws IllegalStateException naming the property that is missing or wrong
   */
  public static MemoryBackend backend(EngramProperties.Store store) {
    if (store.url() == null || store.url().isBlank()) {
      throw new IllegalStateException(
          "engram.store.url is required for the opensearch store: set it to the cluster's URL,"
              + " e.g. http://127.0.0.1:9200");
    }
    OpenSearchMemory.Builder b = OpenSearchMemory.builder();
    try {
      b.url(store.url());
      if (store.username() != null) {
        if (store.password() == null) {
          throw new IllegalStateException(
              "engram.store.password is required with engram.store.username");
        }
        b.credentials(store.username(), store.password());
      }
      if (store.indexPrefix() != null) {
        b.indexPrefix(store.indexPrefix());
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("engram.store: " + e.getMessage(), e);
    }
    return b.backend();
  }
}
