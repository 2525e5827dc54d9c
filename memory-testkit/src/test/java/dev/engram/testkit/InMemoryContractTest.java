package dev.engram.testkit;

import dev.engram.backend.MemoryBackend;
import dev.engram.internal.InMemoryBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;

/** Every contract on the in-memory backend (no embedder: lexical candidates only). */
class InMemoryContractTest {
  static MemoryBackend backend(Path dir) {
    return new InMemoryBackend();
  }

  @Nested
  class Crud extends CrudContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }

  @Nested
  class Scope extends ScopeContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }

  @Nested
  class Filter extends FilterContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }

  @Nested
  class History extends HistoryContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
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

  @Nested
  class Decay extends DecayContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }

  @Nested
  class Validation extends ValidationContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }

  @Nested
  class Concurrency extends ConcurrencyContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }
}
