package dev.engram.retrieval;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The child process of {@link CrashRecoveryTest}: writes to a store without end and reports each
 * operation before it starts ({@code BEGIN}) and once it has returned ({@code ACK}), until killed.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long seed = Long.parseLong(args[1]);
    int round = Integer.parseInt(args[2]);
    Random random = new Random(seed);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Scope scope = Scope.user("crash");
    List<MemoryId> live = new ArrayList<>();
    try (MemoryStore store =
        Engram.builder()
            .backend(
                EmbeddedMemory.backend(dir)
                    .embedder(new HashEmbedder())
                    .commitInterval(Duration.ofMillis(150))
                    .build())
            .decay(CrashRecoveryTest.NO_PROMOTION)
            .build()) {
      store.list(scope).items().forEach(m -> live.add(m.id()));
      out.println("READY");
      for (int i = 0; ; i++) {
        int op = live.isEmpty() ? 0 : random.nextInt(12);
        if (op < 5) {
          int n = 1 + random.nextInt(3);
          String batch = "r" + round + "b" + i;
          AddRequest.Builder b = AddRequest.builder(scope).metadata("batch", batch);
          for (int k = 0; k < n; k++) {
            b.text("memory " + batch + " part " + k + " token" + random.nextInt(1000));
          }
          out.println("BEGIN ADD " + batch + " " + n);
          AddResult r = store.add(b.build());
          StringBuilder ids = new StringBuilder();
          for (Memory m : r.added()) {
            live.add(m.id());
            ids.append(' ').append(m.id());
          }
          out.println("ACK ADD " + batch + ids);
        } else if (op < 8) {
          MemoryId id = live.get(random.nextInt(live.size()));
          String text = "updated r" + round + " op" + i;
          out.println("BEGIN UPDATE " + id + " " + text);
          try {
            Memory m = store.update(scope, id, MemoryUpdate.text(text));
            out.println("ACK UPDATE " + id + " " + m.version());
          } catch (IllegalStateException deleted) {
            out.println("ACK NOOP");
          }
        } else if (op < 9) {
          MemoryId id = live.get(random.nextInt(live.size()));
          out.println("BEGIN DELETE " + id);
          store.delete(scope, id, "crash test");
          out.println("ACK DELETE " + id);
        } else if (op < 10) {
          MemoryId id = live.remove(random.nextInt(live.size()));
          out.println("BEGIN PURGE " + id);
          store.purge(scope, id);
          out.println("ACK PURGE " + id);
        } else {
          // A search reinforces what it returns: a deferred write, journaled before it returns.
          out.println("BEGIN SEARCH");
          StringBuilder ids = new StringBuilder();
          for (SearchHit h :
              store.search(
                  SearchRequest.builder(scope, "memory part token" + random.nextInt(1000))
                      .limit(3)
                      .build())) {
            ids.append(' ').append(h.memory().id());
          }
          out.println("ACK SEARCH" + ids);
        }
      }
    }
  }
}
