package dev.engram.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.PageRequest;
import dev.engram.StoreLockedException;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs writing one owner's memories through one OpenSearch store: real child JVMs ({@link
 * MultiJvmChild}) started together through a barrier file, never a sleep. The owner's lease (a
 * document the cluster's scripts acquire and expire) makes their writes one at a time, as the
 * store's lock does for the threads of one JVM.
 *
 * <p>{@code -Dengram.multijvm.lease=off} runs the children with leases switched off: the first two
 * tests then fail (the check that they test something).
 */
@EnabledIfEnvironmentVariable(
    named = OpenSearchContractTest.URL_VARIABLE,
    matches = ".+",
    disabledReason =
        "no OpenSearch node: run scripts/opensearch start and set ENGRAM_OPENSEARCH_URL to the URL"
            + " it prints (.ci/run does both)")
@Timeout(600)
class MultiJvmTest {
  private static final Duration CHILD_LIMIT = Duration.ofSeconds(300);
  private final String prefix = "engram-multi-" + Long.toHexString(System.nanoTime());
  private final List<Process> children = new ArrayList<>();
  @TempDir Path dir;

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : children) {
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
    OpenSearchContractTest.deleteStores(List.of(prefix));
  }

  @Test
  void twoJvmsAddingTheSameFactThroughThePipelineAtOnce_storeItOnce() throws Exception {
    open().close(); // creates the indices before the children race to
    Process a = start("add", "a");
    Process b = start("add", "b");
    awaitLine(a, "READY");
    awaitLine(b, "READY");
    MultiJvmChild.touch(dir.resolve("go"));
    awaitLine(a, "DONE");
    awaitLine(b, "DONE");
    assertExited(a);
    assertExited(b);

    try (MemoryStore store = open()) {
      List<String> texts =
          store.list(MultiJvmChild.OWNER, Filter.all(), PageRequest.first()).items().stream()
              .map(Memory::text)
              .toList();
      assertEquals(List.of(MultiJvmChild.FACT), texts, "the fact said twice at once");
    }
  }

  @Test
  void twoJvmsUpdatingOneMemoryTenTimesEach_loseNoUpdate() throws Exception {
    Memory m;
    try (MemoryStore store = open()) {
      m =
          store
              .add(
                  AddRequest.builder(MultiJvmChild.OWNER)
                      .text("updates:")
                      .kind(Kind.SEMANTIC)
                      .infer(false)
                      .build())
              .added()
              .get(0);
    }
    Process a = start("update", "a", m.id().value(), "10");
    Process b = start("update", "b", m.id().value(), "10");
    awaitLine(a, "READY");
    awaitLine(b, "READY");
    MultiJvmChild.touch(dir.resolve("go"));
    String conflictsA = awaitLine(a, "CONFLICTS ");
    String conflictsB = awaitLine(b, "CONFLICTS ");
    awaitLine(a, "DONE");
    awaitLine(b, "DONE");
    assertExited(a);
    assertExited(b);
    System.out.println("MultiJvmTest: a " + conflictsA + ", b " + conflictsB + " (retried)");

    try (MemoryStore store = open()) {
      Memory after = store.get(MultiJvmChild.OWNER, m.id()).orElseThrow();
      List<String> words = Arrays.asList(after.text().split(" "));
      List<String> lost = new ArrayList<>();
      for (String child : List.of("a", "b")) {
        for (int i = 0; i < 10; i++) {
          if (!words.contains(child + "-" + i)) {
            lost.add(child + "-" + i);
          }
        }
      }
      assertEquals(List.of(), lost, "updates lost of 20: " + after.text());
      assertEquals(21, after.version());
      List<HistoryEvent> history = store.history(MultiJvmChild.OWNER, m.id());
      assertEquals(20, history.stream().filter(e -> e.type() == EventType.UPDATE).count());
    }
  }

  @Test
  void aSigkilledLeaseHolder_holdsTheOwnerOnlyUntilItsLeaseExpires() throws Exception {
    Memory m;
    try (MemoryStore store = open()) {
      m = store.add(MultiJvmChild.OWNER, "Alice lives in Porto").added().get(0);
    }
    Process holder = start("hold", "a");
    awaitLine(holder, "READY");
    MultiJvmChild.touch(dir.resolve("go"));
    awaitLine(holder, "IN-MODEL"); // inside a pipeline add: it holds alice's lease

    try (MemoryStore store = open(Duration.ZERO)) {
      StoreLockedException e =
          assertThrows(
              StoreLockedException.class,
              () -> store.update(MultiJvmChild.OWNER, m.id(), MemoryUpdate.text("Alice: Lisbon")));
      assertTrue(
          e.getMessage().startsWith("another process has held the memories of owner user 'alice'"),
          e.getMessage());
    }
    holder.destroyForcibly(); // SIGKILL: the lease is never released, only expires
    assertTrue(holder.waitFor(60, TimeUnit.SECONDS), "the killed holder did not exit");

    try (MemoryStore store = open(Duration.ofSeconds(120))) {
      Memory updated =
          store.update(MultiJvmChild.OWNER, m.id(), MemoryUpdate.text("Alice lives in Lisbon"));
      assertEquals("Alice lives in Lisbon", updated.text());
    }
  }

  private MemoryStore open() {
    return open(Duration.ofSeconds(120));
  }

  private MemoryStore open(Duration leaseTimeout) {
    return Engram.builder()
        .backend(
            OpenSearchMemory.builder()
                .url(OpenSearchContractTest.url())
                .indexPrefix(prefix)
                .embedder(new HashEmbedder())
                .leaseTimeout(leaseTimeout)
                .backend())
        .build();
  }

  private Process start(String mode, String name, String... more) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                MultiJvmChild.class.getName(),
                mode,
                OpenSearchContractTest.url(),
                prefix,
                dir.toString(),
                name,
                "off".equals(System.getProperty("engram.multijvm.lease")) ? "nolease" : "lease"));
    command.addAll(List.of(more));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectError(dir.resolve("stderr-" + name).toFile());
    Process p = pb.start();
    children.add(p);
    readers.put(
        p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    return p;
  }

  private final java.util.Map<Process, BufferedReader> readers = new java.util.HashMap<>();

  /** Reads the child's output up to a line starting with {@code start}, and returns that line. */
  private String awaitLine(Process p, String start) throws IOException {
    String line;
    while ((line = readers.get(p).readLine()) != null) {
      if (line.startsWith(start)) {
        return line;
      }
    }
    throw new AssertionError(
        "a child JVM ended before printing " + start + "; its stderr:\n" + stderrOf(p));
  }

  private String stderrOf(Process p) throws IOException {
    int i = children.indexOf(p);
    Path err = dir.resolve("stderr-" + (i == 0 ? "a" : "b"));
    if (!Files.exists(err)) {
      return "(none)";
    }
    List<String> lines = Files.readAllLines(err);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private void assertExited(Process p) throws Exception {
    assertTrue(p.waitFor(CHILD_LIMIT.toSeconds(), TimeUnit.SECONDS), "a child JVM did not exit");
    assertEquals(0, p.exitValue(), "a child JVM failed; its stderr:\n" + stderrOf(p));
  }
}
