package dev.engram.opensearch;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.memory.Scope;
import java.time.Duration;
import java.util.Random;

/**
 * A child JVM that writes batches until it is killed: batch {@code n} adds {@code k} memories in
 * one write ({@code crash <n> <i>/<k>}) and prints {@code ACK n k} once the write returned.
 *
 * <p>Arguments: URL, index prefix, first batch number, seed.
 */
public final class CrashWriter {
  private CrashWriter() {}

  public static void main(String[] args) {
    String url = args[0];
    String prefix = args[1];
    int first = Integer.parseInt(args[2]);
    Random random = new Random(Long.parseLong(args[3]));
    try (MemoryStore store =
        Engram.builder()
            .backend(
                OpenSearchMemory.builder()
                    .url(url)
                    .indexPrefix(prefix)
                    .embedder(new HashEmbedder())
                    // A killed writer's lease holds up the next round's writer until it expires.
                    .leaseTime(Duration.ofSeconds(2))
                    .backend())
            .build()) {
      System.out.println("READY");
      System.out.flush();
      for (int n = first; ; n++) {
        int k = 1 + random.nextInt(5);
        String[] texts = new String[k];
        for (int i = 0; i < k; i++) {
          texts[i] = "crash " + n + " " + i + "/" + k;
        }
        store.add(Scope.user("crash"), texts);
        System.out.println("ACK " + n + " " + k);
        System.out.flush();
      }
    }
  }
}
