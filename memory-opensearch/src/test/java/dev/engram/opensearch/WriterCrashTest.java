package dev.engram.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * A writer JVM SIGKILLed at random moments: after each kill, reopening the store (which completes
 * any batch left in the log) shows every acknowledged batch whole and exactly once, and no batch in
 * part. The moment is chosen by acknowledgements, not time: each round waits for a seeded random
 * number of acknowledged batches, then kills the writer in the middle of the next one.
 */
@EnabledIfEnvironmentVariable(
    named = OpenSearchContractTest.URL_VARIABLE,
    matches = ".+",
    disabledReason =
        "no OpenSearch node: run scripts/opensearch start and set ENGRAM_OPENSEARCH_URL to the URL"
            + " it prints (.ci/run does both)")
class WriterCrashTest {
  private static final int ROUNDS = 20;
  private final String prefix = "engram-crash-" + Long.toHexString(System.nanoTime());

  @AfterEach
  void deleteIndices() throws Exception {
    OpenSearchContractTest.deleteStores(List.of(prefix));
  }

  @Test
  void sigkilledWriter_leavesEveryAcknowledgedBatchWholeAndNoHalfBatch() throws Exception {
    long seed = Long.getLong("engram.seed", System.nanoTime());
    System.out.println(
        "WriterCrashTest seed " + seed + " (replay with -Dengram.seed=" + seed + ")");
    Random random = new Random(seed);
    Map<Integer, Integer> acknowledged = new HashMap<>();
    int next = 0;
    int interrupted = 0;
    for (int round = 0; round < ROUNDS; round++) {
      int waitFor = 1 + random.nextInt(6);
      int first = next;
      next += 1000;
      Process child = start(first, random.nextLong());
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        int acks = 0;
        String line;
        while (acks < waitFor && (line = out.readLine()) != null) {
          if (line.startsWith("ACK ")) {
            String[] parts = line.split(" ");
            acknowledged.put(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            acks++;
          }
        }
        assertEquals(
            waitFor, acks, "the writer of round " + round + " exited early (seed " + seed + ")");
        // Not synchronisation: a seeded pause moves the kill to a random point of the next batch
        // (or past it); the checks hold wherever it lands.
        Thread.sleep(random.nextInt(60));
      } finally {
        child.destroyForcibly(); // SIGKILL
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the killed writer did not exit");
      }
      interrupted += pendingBatches();
      check(acknowledged, round, seed);
    }
    System.out.println(
        "WriterCrashTest: "
            + interrupted
            + " of "
            + ROUNDS
            + " kills left a batch in the log to complete");
  }

  /** Batches in the store's log, not yet applied completely (each is replayed on open). */
  private int pendingBatches() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String url = OpenSearchContractTest.url() + "/" + prefix + "-log";
    http.send(
        HttpRequest.newBuilder(URI.create(url + "/_refresh"))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.discarding());
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create(url + "/_count?q=type:batch")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"count\":(\\d+)").matcher(body);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  private Process start(int first, long seed) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "--add-modules",
            "jdk.incubator.vector",
            "-cp",
            System.getProperty("java.class.path"),
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
            CrashWriter.class.getName(),
            OpenSearchContractTest.url(),
            prefix,
            Integer.toString(first),
            Long.toString(seed));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    return pb.start();
  }

  /** Reopens the store (replaying the log) and checks every batch is whole or absent. */
  private void check(Map<Integer, Integer> acknowledged, int round, long seed) {
    try (MemoryBackend backend =
        OpenSearchMemory.builder()
            .url(OpenSearchContractTest.url())
            .indexPrefix(prefix)
            .embedder(new HashEmbedder())
            .backend()) {
      Map<Integer, Set<String>> batches = new HashMap<>();
      Map<Integer, Integer> sizes = new HashMap<>();
      List<Memory> all = backend.list(ListQuery.first(Filter.all(), 100_000));
      for (Memory m : all) {
        String[] parts = m.text().split(" ");
        int n = Integer.parseInt(parts[1]);
        sizes.put(n, Integer.parseInt(parts[2].split("/")[1]));
        assertTrue(
            batches.computeIfAbsent(n, x -> new HashSet<>()).add(m.text()),
            "duplicate memory " + m.text() + " (round " + round + ", seed " + seed + ")");
      }
      for (Map.Entry<Integer, Set<String>> b : batches.entrySet()) {
        assertEquals(
            (int) sizes.get(b.getKey()),
            b.getValue().size(),
            "half of batch " + b.getKey() + " is visible (round " + round + ", seed " + seed + ")");
      }
      for (Map.Entry<Integer, Integer> a : acknowledged.entrySet()) {
        assertEquals(
            a.getValue(),
            batches.getOrDefault(a.getKey(), Set.of()).size(),
            "acknowledged batch "
                + a.getKey()
                + " is missing (round "
                + round
                + ", seed "
                + seed
                + ")");
      }
      List<HistoryEvent> events = backend.history(Scope.user("crash"), 0, 1_000_000);
      Set<Long> sequences = new HashSet<>();
      Map<String, Integer> adds = new HashMap<>();
      for (HistoryEvent e : events) {
        assertTrue(sequences.add(e.sequence()), "sequence " + e.sequence() + " used twice");
        if (e.type() == EventType.ADD) {
          adds.merge(e.memoryId().value(), 1, Integer::sum);
        }
      }
      for (Memory m : all) {
        assertEquals(
            1,
            adds.getOrDefault(m.id().value(), 0),
            "memory " + m.text() + " has no ADD event or several (seed " + seed + ")");
      }
      assertEquals(all.size(), adds.size(), "ADD events of memories that are not stored");
    }
  }
}
