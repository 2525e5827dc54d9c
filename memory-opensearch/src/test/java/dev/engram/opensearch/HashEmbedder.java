package dev.engram.opensearch;

import dev.engram.embed.Embedder;
import java.nio.charset.StandardCharsets;

/** A tiny deterministic embedder for tests that need vectors but not their meaning. */
final class HashEmbedder implements Embedder {
  @Override
  public String modelId() {
    return "test-hash-8";
  }

  @Override
  public int dimension() {
    return 8;
  }

  @Override
  public float[] embed(String text) {
    float[] v = new float[8];
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      v[i % 8] += (bytes[i] & 0xff) * (i + 1);
    }
    double norm = 0;
    for (float f : v) {
      norm += f * f;
    }
    norm = norm == 0 ? 1 : Math.sqrt(norm);
    for (int i = 0; i < 8; i++) {
      v[i] = (float) (v[i] / norm);
    }
    if (norm == 1) {
      v[0] = 1;
    }
    return v;
  }
}
