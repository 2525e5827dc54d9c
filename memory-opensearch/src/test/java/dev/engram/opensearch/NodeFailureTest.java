package dev.engram.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.StoreIOException;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A 3-node loopback cluster (started here with {@code scripts/opensearch start --nodes 3}), the
 * store's indices with one replica, continuous writes and searches, and one data node SIGKILLed in
 * the middle: no acknowledged write is lost and searches keep answering (or fail whole, never
 * partially). The client is given every node's URL.
 *
 * <p>It takes minutes, so it runs only with {@code mvn -P opensearch-cluster} (see
 * docs/opensearch.md). {@code ENGRAM_OPENSEARCH_CLUSTER_PORT} sets the first node's HTTP port
 * (default 9600; transport ports are 100 above), {@code ENGRAM_OPENSEARCH_CLUSTER_HOME} its work
 * directory (default under java.io.tmpdir).
 */
@Tag("opensearch-cluster")
@Timeout(1800)
class NodeFailureTest {
  private static final int NODES = 3;
  private static final int KILLED = 2;
  private static final int BEFORE_KILL = 60;
  private static final int AFTER_KILL = 60;
  private static int port;
  private static Path home;

  @BeforeAll
  static void startCluster() throws Exception {
    port = Integer.parseInt(env("ENGRAM_OPENSEARCH_CLUSTER_PORT", "9600"));
    home =
        Path.of(
            env(
                "ENGRAM_OPENSEARCH_CLUSTER_HOME",
                Path.of(System.getProperty("java.io.tmpdir"), "engram-opensearch-cluster")
                    .toString()));
    script("start", "--nodes", Integer.toString(NODES), "--port", Integer.toString(port));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (home != null) {
      script("stop");
    }
  }

  @Test
  void aDataNodeKilledDuringWrites_losesNoAcknowledgedWrite_andSearchesKeepAnswering()
      throws Exception {
    String[] urls = new String[NODES];
    for (int i = 0; i < NODES; i++) {
      urls[i] = "http://127.0.0.1:" + (port + i);
    }
    OpenSearchMemory.Builder builder =
        OpenSearchMemory.builder()
            .urls(urls)
            .indexPrefix("engram-nodefail")
            .embedder(new HashEmbedder())
            .shards(3)
            .replicas(1);
    builder.deleteStore();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger writeFailures = new AtomicInteger();
    AtomicInteger searchesAfterKill = new AtomicInteger();
    AtomicInteger searchFailures = new AtomicInteger();
    AtomicReference<Throwable> unexpected = new AtomicReference<>();
    AtomicBoolean killed = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch readyToKill = new CountDownLatch(BEFORE_KILL);
    CountDownLatch enoughAfter = new CountDownLatch(AFTER_KILL);

    try (MemoryStore store = Engram.builder().backend(builder.backend()).build()) {
      Thread writer =
          new Thread(
              () -> {
                for (int n = 0; !stop.get(); n++) {
                  String text = "fact " + n + " about node failures";
                  try {
                    store.add(owner(n), text);
                    acknowledged.add(text);
                    readyToKill.countDown();
                    if (killed.get()) {
                      enoughAfter.countDown();
                    }
                  } catch (StoreIOException e) {
                    writeFailures.incrementAndGet(); // not acknowledged: may or may not be there
                  } catch (RuntimeException e) {
                    unexpected.compareAndSet(null, e);
                    return;
                  }
                }
              },
              "writer");
      Thread searcher =
          new Thread(
              () -> {
                for (int n = 0; !stop.get(); n++) {
                  try {
                    store.search(SearchRequest.builder(owner(n), "node failures").build());
                    if (killed.get()) {
                      searchesAfterKill.incrementAndGet();
                    }
                  } catch (StoreIOException e) {
                    searchFailures.incrementAndGet();
                  } catch (RuntimeException e) {
                    unexpected.compareAndSet(null, e);
                    return;
                  }
                }
              },
              "searcher");
      writer.start();
      searcher.start();
      assertTrue(readyToKill.await(600, TimeUnit.SECONDS), "writes did not start");
      script("kill-node", Integer.toString(KILLED));
      killed.set(true);
      boolean wrote = enoughAfter.await(900, TimeUnit.SECONDS);
      stop.set(true);
      writer.join(TimeUnit.SECONDS.toMillis(300));
      searcher.join(TimeUnit.SECONDS.toMillis(300));
      System.out.println(
          "NodeFailureTest: "
              + acknowledged.size()
              + " writes acknowledged, "
              + writeFailures.get()
              + " failed; "
              + searchesAfterKill.get()
              + " searches answered after the kill, "
              + searchFailures.get()
              + " failed");
      assertEquals(null, unexpected.get(), "only StoreIOException may signal a failure");
      assertTrue(wrote, AFTER_KILL + " writes were not acknowledged after the kill");
      assertTrue(searchesAfterKill.get() > 0, "no search answered after the kill");
    }

    // Reopening completes any batch a failed write left in the log; every acknowledged fact is
    // there exactly once.
    try (MemoryBackend backend = builder.backend()) {
      Map<String, Integer> stored = new HashMap<>();
      for (Memory m : backend.list(ListQuery.first(Filter.all(), 1_000_000))) {
        stored.merge(m.text(), 1, Integer::sum);
      }
      List<String> lost = new ArrayList<>();
      for (String text : acknowledged) {
        if (!stored.containsKey(text)) {
          lost.add(text);
        }
      }
      assertEquals(List.of(), lost, "acknowledged writes lost");
      stored.forEach((text, n) -> assertEquals(1, n, "stored twice: " + text));
    }
  }

  private static Scope owner(int n) {
    return Scope.user("user-" + (n % 7));
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  private static void script(String... args) throws IOException, InterruptedException {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("scripts/opensearch"))) {
      root = root.getParent();
      if (root == null) {
        throw new IllegalStateException("scripts/opensearch not found above the working directory");
      }
    }
    List<String> command = new ArrayList<>(List.of(root.resolve("scripts/opensearch").toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("ENGRAM_OPENSEARCH_HOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(900, TimeUnit.SECONDS), "scripts/opensearch " + args[0] + " hung");
    assertEquals(0, p.exitValue(), "scripts/opensearch " + String.join(" ", args) + ":\n" + out);
  }
}
