package dev.engram.retrieval;

import dev.engram.backend.MemoryBackend;
import dev.engram.testkit.CandidateContract;
import dev.engram.testkit.ConcurrencyContract;
import dev.engram.testkit.CrudContract;
import dev.engram.testkit.DecayContract;
import dev.engram.testkit.DurabilityContract;
import dev.engram.testkit.FilterContract;
import dev.engram.testkit.HistoryContract;
import dev.engram.testkit.RecallContract;
import dev.engram.testkit.ScopeContract;
import dev.engram.testkit.ValidationContract;
import java.nio.file.Path;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Every contract on the embedded Lucene store with a test embedder, so that memory-retrieval checks
 * its contracts without the in-process model (memory-embeddings-onnx runs them again with it). The
 * tests run four at a time (junit-platform.properties), each on a store of its own; the concurrency
 * contract, by far the longest, starts first so that the others run beside it.
 */
@Execution(ExecutionMode.CONCURRENT)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class HashEmbedderContractTest {
  static MemoryBackend backend(Path dir) {
    return EmbeddedMemory.backend(dir.resolve("store")).embedder(new HashEmbedder()).build();
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
  @Order(1)
  class Concurrency extends ConcurrencyContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }

  @Nested
  class Durability extends DurabilityContract {
    @Override
    protected MemoryBackend newBackend(Path dir) {
      return backend(dir);
    }
  }
}
