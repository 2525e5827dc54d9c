package dev.engram.retrieval;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What a kill -9 leaves on disk: the files as they are, without close() or a final commit. */
public final class RecoverySnapshots {
  private RecoverySnapshots() {}

  public static void snapshot(Path from, Path to) throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.walk(from)) {
      files = s.toList();
    } catch (UncheckedIOException e) {
      if (!(e.getCause() instanceof NoSuchFileException)) {
        throw e;
      }
      // A file vanished while the directory was listed (Lucene deletes temporary files of a flush
      // or merge at any moment): list again.
      snapshot(from, to);
      return;
    }
    for (Path p : files) {
      Path t = to.resolve(from.relativize(p).toString());
      String name = p.getFileName().toString();
      if (Files.isDirectory(p)) {
        Files.createDirectories(t);
      } else if (!name.equals("engram.lock") && !name.equals("write.lock")) {
        try {
          Files.copy(p, t);
        } catch (NoSuchFileException gone) {
          // Deleted since it was listed: a crash a moment later would not have left it either.
          // Regression: a flush's temporary vector file deleted mid-copy failed RecoveryTest.
        }
      }
    }
  }
}
