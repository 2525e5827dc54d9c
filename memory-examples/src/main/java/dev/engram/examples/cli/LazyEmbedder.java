package dev.engram.examples.cli;

import dev.engram.embed.Embedder;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One of the command line's embedding models, loaded only when something is embedded. Loading it
 * takes seconds and a hundred-odd megabytes, and {@code stats}, {@code list}, {@code get}, {@code
 * forget} and the other commands that embed nothing never need it. The store checks the model's id
 * and dimension when it opens; those are known without loading it, and checked against the real
 * model once it is loaded.
 */
final class LazyEmbedder implements Embedder {
  /** The models the command line knows; both have 384 dimensions. */
  enum Model {
    /** e5-small-v2, for new stores. */
    E5_SMALL_V2(OnnxEmbedders.E5_SMALL_V2_ID, OnnxEmbedders::e5SmallV2),
    /** bge-small-en-v1.5, the default before: for the stores built with it. */
    BGE_SMALL_EN(OnnxEmbedders.BGE_SMALL_EN_ID, OnnxEmbedders::bgeSmallEn);

    final String id;
    final Supplier<Embedder> loader;

    Model(String id, Supplier<Embedder> loader) {
      this.id = id;
      this.loader = loader;
    }
  }

  static final int DIMENSION = 384;

  private final Model which;
  private final CompletableFuture<Embedder> model = new CompletableFuture<>();
  private volatile boolean started;

  LazyEmbedder(Model which) {
    this.which = which;
  }

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
      Embedder e = which.loader.get();
      if (!e.modelId().equals(which.id) || e.dimension() != DIMENSION) {
        throw new IllegalStateException(
            "the bundled embedding model is "
                + e
                + ", not "
                + which.id
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
    return which.id;
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
    return which.id + " (" + DIMENSION + " dimensions, loaded on first use)";
  }
}
