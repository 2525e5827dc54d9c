package dev.engram.opensearch;

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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Every contract of the testkit on the OpenSearch backend with its defaults (bge-small, English),
 * against a real node: run {@code scripts/opensearch start} and set {@code ENGRAM_OPENSEARCH_URL}
 * to the URL it prints. Each test gets its own random index prefix, and its indices are deleted
 * after it. The tests run four at a time (junit-platform.properties): they wait on the node far
 * more than they compute, and no two share an index. The concurrency contract, by far the longest,
 * starts first so that the others run beside it.
 */
@Execution(ExecutionMode.CONCURRENT)
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
@EnabledIfEnvironmentVariable(
    named = OpenSearchContractTest.URL_VARIABLE,
    matches = ".+",
    disabledReason =
        "no OpenSearch node: run scripts/opensearch start and set ENGRAM_OPENSEARCH_URL to the URL"
            + " it prints (.ci/run does both)")
class OpenSearchContractTest {
  static final String URL_VARIABLE = "ENGRAM_OPENSEARCH_URL";

  private final Map<Path, String> prefixes = new ConcurrentHashMap<>();

  static String url() {
    return System.getenv(URL_VARIABLE);
  }

  /** A new backend on the test's own indices: the same prefix for the same directory. */
  MemoryBackend backend(Path dir) {
    String prefix =
        prefixes.computeIfAbsent(
            dir,
            d ->
                "engram-test-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
    return OpenSearchMemory.builder().url(url()).indexPrefix(prefix).backend();
  }

  @AfterEach
  void deleteIndices() throws Exception {
    deleteStores(new ArrayList<>(prefixes.values()));
    prefixes.clear();
  }

  /** Deletes the indices and template of each store prefix. */
  static void deleteStores(List<String> prefixes) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String prefix : prefixes) {
      for (String path :
          List.of(
              prefix + "-memories",
              prefix + "-history",
              prefix + "-log",
              prefix + "-leases",
              "_index_template/" + prefix + "-memories")) {
        http.send(
            HttpRequest.newBuilder(URI.create(url() + "/" + path)).DELETE().build(),
            HttpResponse.BodyHandlers.discarding());
      }
    }
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
