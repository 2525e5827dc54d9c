package dev.engram.retrieval;

import dev.engram.backend.MemoryBackend;
import dev.engram.testkit.CandidateContract;
import dev.engram.testkit.RecallContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;

/**
 * The contracts where the embedding model matters, on the embedded Lucene store with its defaults
 * (e5-small-v2, English); memory-retrieval's HashEmbedderContractTest runs every contract.
 */
class EmbeddedContractTest {
  static MemoryBackend backend(Path dir) {
    return EmbeddedMemory.backend(dir.resolve("store")).build();
  }

  @Nested
  class Recall extends RecallContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }

  @Nested
  class Candidate extends CandidateContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }
}
