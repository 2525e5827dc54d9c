package dev.engram.retrieval.internal;

import dev.engram.backend.MemoryBackend;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.retrieval.HashEmbedder;
import java.nio.file.Path;

/** A child process that opens a store and keeps it open until killed. */
public final class HoldStore {
  private HoldStore() {}

  public static void main(String[] args) throws Exception {
    try (MemoryBackend b =
        EmbeddedMemory.backend(Path.of(args[0])).embedder(new HashEmbedder()).build()) {
      System.out.println("OPEN " + b.lastSequence());
      System.out.flush();
      Thread.sleep(60_000);
    }
  }
}
