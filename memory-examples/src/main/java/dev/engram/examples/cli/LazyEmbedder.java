package dev.engram.examples.cli;

import dev.engram.embed.Embedder;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The command line's embedding model (bge-small-en-v1.5), loaded only when something is embedded.
 * Loading it takes seconds and a hundred-odd megabytes, and {@code stats}, {@code list}, {@code
 * get}, {@code forget} and the other commands that embed nothing never need it. The store checks
 * the model's id and dimension when it opens; those are known without loading it, and checked
 * against the real model once it is loaded.
 */
final class LazyEmbedder implements Embedder {
  /** The id {@link OnnxEmbedders#bgeSmallEn()} records in a store. */
  static final String MODEL_ID = "bge-small-en-v1.5-q";

  static final int DIMENSION = 384;

  private final CompletableFuture<Embedder> model = new CompletableFuture<>();
  private volatile boolean started;

  /**
   * Starts loading the model on a background thread, for a command that will certainly embed
   * (search, chat): the load then overlaps opening the store.
   */
  void loadInBackground() {
    start(true);
  }

  private Embedder model() {
    start(false);
    return model.join();
  }

  private void start(boolean background) {
    if (started) {
      return;
    }
    synchronized (this) {
      if (started) {
        return;
      }
      started = true;
    }
    if (background) {
      Thread t = new Thread(this::load, "engram-model-load");
      t.setDaemon(true);
      t.start();
    } else {
      load();
    }
  }

  private void load() {
    try {
      Embedder e = OnnxEmbedders.bgeSmallEn();
      if (!e.modelId().equals(MODEL_ID) || e.dimension() != DIMENSION) {
        throw new IllegalStateException(
            "the bundled embedding model is "
                + e
                + ", not "
                + MODEL_ID
                + " ("
                + DIMENSION
                + " dimensions) as the command line expects");
      }
      model.complete(e);
    } catch (RuntimeException | Error e) {
      model.completeExceptionally(e);
    }
  }

  /** Whether the model has been asked for (tests check that a command never loads it). */
  boolean loaded() {
    return started;
  }

  @Override
  public String modelId() {
    return MODEL_ID;
  }

  @Override
  public int dimension() {
    return DIMENSION;
  }

  @Override
  public float[] embed(String text) {
    return unwrapped().embed(text);
  }

  @Override
  public float[] embedQuery(String query) {
    return unwrapped().embedQuery(query);
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    return unwrapped().embedAll(texts);
  }

  private Embedder unwrapped() {
    try {
      return model();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  @Override
  public String toString() {
    return MODEL_ID + " (" + DIMENSION + " dimensions, loaded on first use)";
  }
}
