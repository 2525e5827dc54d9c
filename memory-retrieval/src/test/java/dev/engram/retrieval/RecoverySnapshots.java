package dev.engram.retrieval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a kill -9 leaves on disk: the files as they are, without close() or a final commit. */
public final class RecoverySnapshots {
  private RecoverySnapshots() {}

  public static void snapshot(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        String name = p.getFileName().toString();
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else if (!name.equals("engram.lock") && !name.equals("write.lock")) {
          Files.copy(p, t);
        }
      }
    }
  }
}
