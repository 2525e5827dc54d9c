package dev.engram.retrieval.internal;

import java.nio.file.Files;
import java.nio.file.Path;

/** What a store directory records about how it was built, for the public API to read. */
public final class StoreMetadata {
  private StoreMetadata() {}

  /**
   * The embedding model id recorded by the store in {@code dir} ({@code none} for lexical-only), or
   * {@code null} if the directory holds no store.
   *
   * @throws dev.engram.StoreCorruptedException if the metadata is unreadable
   */
  public static String recordedModelId(Path dir) {
    StoreMeta meta = Files.isDirectory(dir) ? StoreMeta.read(dir) : null;
    return meta == null ? null : meta.modelId();
  }
}
