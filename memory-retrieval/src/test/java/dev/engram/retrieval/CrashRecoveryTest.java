package dev.engram.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acknowledged means durable: a child JVM writes continuously and is killed with SIGKILL at random
 * moments, several times; after each kill the store is reopened and every acknowledged write must
 * be there, with its history, nothing duplicated and no batch half-applied. The one operation in
 * flight at the kill may or may not have happened, but only as a whole.
 */
class CrashRecoveryTest {
  private static final Scope SCOPE = Scope.user("crash");

  /** Recall never promotes here, so versions and history follow from the acknowledged writes. */
  static final DecayPolicy NO_PROMOTION =
      DecayPolicy.builder().promoteAfterRecalls(Integer.MAX_VALUE).promoteAtImportance(1).build();

  private static final int ROUNDS = 5;

  @TempDir Path dir;

  /** What the parent knows must be in the store. */
  private static final class Expected {
    String text;
    Status status = Status.ACTIVE;
    long version = 1;
    final List<EventType> events = new ArrayList<>(List.of(EventType.ADD));
    String batch;
    long recalls;
    long recallsWritten;
  }

  @Test
  void everyAcknowledgedWriteSurvivesKillNine() throws Exception {
    long seed = Long.getLong("engram.seed", System.nanoTime());
    Random random = new Random(seed);
    String replay = "reproduce with -Dengram.seed=" + seed;
    Path store = dir.resolve("store");
    Map<MemoryId, Expected> model = new HashMap<>();
    Map<String, Integer> batches = new HashMap<>();
    Set<MemoryId> purged = new HashSet<>();
    int acknowledged = 0;
    for (int round = 1; round <= ROUNDS; round++) {
      // Kill after a number of acknowledgements, not after a time: a slow machine then only takes
      // longer, and every round has writes to check. The jitter moves the kill inside an operation.
      List<String> lines =
          runAndKill(store, random.nextLong(), round, 5 + random.nextInt(25), random.nextInt(40));
      java.nio.file.Files.write(dir.resolve("round-" + round + ".log"), lines);
      if (System.getProperty("engram.crashlog") != null) {
        java.nio.file.Files.write(
            Path.of(System.getProperty("engram.crashlog") + "-" + round), lines);
      }
      String inFlight = null;
      for (String line : lines) {
        String[] p = line.split(" ");
        if (p[0].equals("BEGIN")) {
          inFlight = line;
        } else if (p[0].equals("ACK")) {
          acknowledged++;
          inFlight = null;
          switch (p[1]) {
            case "ADD" -> {
              batches.put(p[2], p.length - 3);
              for (int i = 3; i < p.length; i++) {
                Expected e = new Expected();
                e.batch = p[2];
                model.put(MemoryId.of(p[i]), e);
              }
            }
            case "UPDATE" -> {
              Expected e = model.get(MemoryId.of(p[2]));
              e.version = Long.parseLong(p[3]);
              e.events.add(EventType.UPDATE);
              e.text = lastBeginText(lines, lines.indexOf(line));
            }
            case "DELETE" -> {
              Expected e = model.get(MemoryId.of(p[2]));
              if (e.status != Status.DELETED) {
                e.status = Status.DELETED;
                e.version++;
                e.events.add(EventType.DELETE);
              }
            }
            case "PURGE" -> {
              model.remove(MemoryId.of(p[2]));
              purged.add(MemoryId.of(p[2]));
            }
            case "SEARCH" -> {
              for (int i = 2; i < p.length; i++) {
                model.get(MemoryId.of(p[i])).recalls++;
              }
            }
            case "NOOP" -> {}
            default -> fail("unexpected line " + line);
          }
        }
      }
      if (inFlight != null && inFlight.startsWith("BEGIN PURGE")) {
        purged.add(MemoryId.of(inFlight.split(" ")[2]));
      }
      verify(store, model, batches, purged, inFlight, replay + " (round " + round + ")");
    }
    assertTrue(acknowledged >= 5 * ROUNDS, "acknowledged " + acknowledged + " writes; " + replay);
  }

  private static String lastBeginText(List<String> lines, int ackIndex) {
    String begin = lines.get(ackIndex - 1);
    String[] p = begin.split(" ", 4);
    return p[3];
  }

  private List<String> runAndKill(
      Path store, long seed, int round, int killAfterAcks, long jitterMillis) throws Exception {
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
            store.toString(),
            Long.toString(seed),
            Integer.toString(round));
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process child = pb.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                }
              } catch (Exception e) {
                // the pipe breaks when the child is killed
              }
            });
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!lines.contains("READY")) {
      if (!child.isAlive() || System.nanoTime() > deadline) {
        fail(
            "the writer did not start (exit "
                + (child.isAlive() ? "none" : child.exitValue())
                + ")");
      }
      Thread.sleep(20);
    }
    long acks;
    while ((acks = lines.stream().filter(l -> l.startsWith("ACK ")).count()) < killAfterAcks) {
      if (!child.isAlive() || System.nanoTime() > deadline + TimeUnit.SECONDS.toNanos(240)) {
        fail(
            "the writer acknowledged "
                + acks
                + " of "
                + killAfterAcks
                + " writes before it "
                + (child.isAlive() ? "timed out" : "exited with " + child.exitValue()));
      }
      Thread.sleep(5);
    }
    Thread.sleep(jitterMillis);
    child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close()
    child.waitFor(30, TimeUnit.SECONDS);
    reader.join(10_000);
    List<String> ops = new ArrayList<>(lines);
    ops.remove("READY");
    // A line cut by the kill is not an acknowledgement.
    if (!ops.isEmpty() && !ops.get(ops.size() - 1).matches("(BEGIN|ACK) .*")) {
      ops.remove(ops.size() - 1);
    }
    return ops;
  }

  private void verify(
      Path store,
      Map<MemoryId, Expected> model,
      Map<String, Integer> batches,
      Set<MemoryId> purged,
      String inFlight,
      String why) {
    try (MemoryStore s =
        Engram.builder()
            .backend(EmbeddedMemory.backend(store).embedder(new HashEmbedder()).build())
            .decay(NO_PROMOTION)
            .build()) {
      Map<MemoryId, Memory> actual = new HashMap<>();
      PageRequest page = PageRequest.first(500);
      while (true) {
        Page<Memory> p = s.list(SCOPE, Filter.all(), page);
        for (Memory m : p.items()) {
          assertTrue(actual.put(m.id(), m) == null, "duplicate memory " + m.id() + "; " + why);
        }
        if (!p.hasNext()) {
          break;
        }
        page = page.next(p);
      }
      String[] f = inFlight == null ? new String[0] : inFlight.split(" ");
      MemoryId touched = f.length > 2 && !f[1].equals("ADD") ? MemoryId.of(f[2]) : null;

      // A batch in flight is there entirely or not at all; acknowledged batches are there entirely.
      Map<String, Integer> seen = new HashMap<>();
      actual.values().forEach(m -> seen.merge((String) m.metadata().get("batch"), 1, Integer::sum));
      for (var e : seen.entrySet()) {
        Integer n = batches.get(e.getKey());
        if (n == null) {
          assertTrue(
              f.length > 2 && f[1].equals("ADD") && f[2].equals(e.getKey()),
              "unknown batch " + e.getKey() + "; " + why);
          assertEquals(
              Integer.parseInt(f[3]),
              e.getValue(),
              "half-applied batch " + e.getKey() + "; " + why);
          // It happened: the model learns it, so later rounds check it too.
          batches.put(e.getKey(), e.getValue());
          actual.values().stream()
              .filter(m -> e.getKey().equals(m.metadata().get("batch")))
              .forEach(
                  m -> {
                    Expected x = new Expected();
                    x.batch = e.getKey();
                    model.put(m.id(), x);
                  });
        }
      }

      for (var e : new ArrayList<>(model.entrySet())) {
        MemoryId id = e.getKey();
        Expected x = e.getValue();
        Memory m = actual.get(id);
        boolean mayDiffer = id.equals(touched);
        if (m == null) {
          assertTrue(
              mayDiffer && f[1].equals("PURGE"),
              "acknowledged memory " + id + " is missing; " + why);
          model.remove(id);
          continue;
        }
        List<EventType> history = s.history(SCOPE, id).stream().map(HistoryEvent::type).toList();
        if (mayDiffer && (m.version() != x.version || m.status() != x.status)) {
          // The in-flight update or delete happened: learn it.
          if (f[1].equals("UPDATE")) {
            assertEquals(inFlight.split(" ", 4)[3], m.text(), why);
            x.text = m.text();
            x.events.add(EventType.UPDATE);
          } else {
            assertEquals(Status.DELETED, m.status(), why);
            x.status = Status.DELETED;
            x.events.add(EventType.DELETE);
          }
          x.version = m.version();
        }
        assertEquals(x.version, m.version(), "version of " + id + "; " + why);
        assertEquals(x.status, m.status(), "status of " + id + "; " + why);
        if (x.text != null) {
          assertEquals(x.text, m.text(), "text of " + id + "; " + why);
        }
        assertEquals(x.events, history, "history of " + id + "; " + why);
        // Recalls are written within the store's flush interval, so a kill may lose the latest
        // (Engram.Builder.recallFlushInterval): never those recovered before, never more than
        // were made (the search in flight may or may not have counted).
        boolean searching = inFlight != null && inFlight.equals("BEGIN SEARCH");
        assertTrue(
            m.accessCount() >= x.recallsWritten
                && m.accessCount() <= x.recalls + (searching ? 1 : 0),
            "access count of "
                + id
                + " is "
                + m.accessCount()
                + ", "
                + x.recalls
                + " recalls made, "
                + x.recallsWritten
                + " recovered before; "
                + why);
        x.recalls = m.accessCount();
        x.recallsWritten = m.accessCount();
      }
      for (MemoryId id : purged) {
        if (!model.containsKey(id)) {
          assertTrue(s.get(SCOPE, id).isEmpty(), "purged memory " + id + " came back; " + why);
          assertEquals(
              List.of(EventType.PURGE),
              s.history(SCOPE, id).stream().map(HistoryEvent::type).toList(),
              "history of purged " + id + " came back; " + why);
        }
      }
      for (MemoryId id : actual.keySet()) {
        assertTrue(model.containsKey(id), "memory " + id + " was never written; " + why);
      }
    }
  }
}
