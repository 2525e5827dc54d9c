package dev.engram.bench;

import dev.engram.spi.Embedder;
import java.util.Random;

/**
 * Unit vectors of the real model's dimension derived from the text's hash: free to compute, so a
 * store of a million memories measures the store, not the model. (Their neighbours are random, not
 * semantic.)
 */
final class SyntheticEmbedder implements Embedder {
  private final int dimension;

  SyntheticEmbedder(int dimension) {
    this.dimension = dimension;
  }

  @Override
  public String modelId() {
    return "synthetic-" + dimension;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public float[] embed(String text) {
    Random r = new Random(text.hashCode());
    float[] v = new float[dimension];
    double norm = 0;
    for (int i = 0; i < dimension; i++) {
      v[i] = (float) r.nextGaussian();
      norm += v[i] * v[i];
    }
    float inv = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dimension; i++) {
      v[i] *= inv;
    }
    return v;
  }
}
