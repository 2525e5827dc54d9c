package dev.engram.retrieval.internal;

import dev.engram.memory.Memory;

/**
 * A memory as the index is to hold it, prepared outside the write lock: the record, its vector and
 * the hash of the text it was computed from, and for a turn the previous turn of its session as the
 * next turn's context field sees it.
 *
 * @param vector the embedding, or {@code null} for a lexical-only store
 * @param hash the hash of the embedded text, or {@code null} without a vector
 * @param previous the previous turn's context form, or {@code null}
 */
record Prepared(Memory memory, float[] vector, String hash, String previous) {
  Prepared withPrevious(String p) {
    return new Prepared(memory, vector, hash, p);
  }
}
