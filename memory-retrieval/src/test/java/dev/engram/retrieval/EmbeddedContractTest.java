package dev.engram.retrieval;

import dev.engram.backend.MemoryBackend;
import dev.engram.testkit.MemoryStoreContractTest;
import java.nio.file.Path;

/** The contract suite on the embedded Lucene store with its defaults (bge-small, English). */
class EmbeddedContractTest extends MemoryStoreContractTest {
  @Override
  protected MemoryBackend newBackend(Path dir) {
    return EmbeddedMemory.backend(dir.resolve("store")).build();
  }

  @Override
  protected boolean isPersistent() {
    return true;
  }
}
