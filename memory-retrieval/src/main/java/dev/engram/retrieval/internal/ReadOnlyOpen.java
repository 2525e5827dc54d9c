package dev.engram.retrieval.internal;

import dev.engram.StoreCorruptedException;
import dev.engram.StoreIOException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opening a store read-only while another process writes it: an open that a commit of the writer
 * raced (a file it was about to read deleted, or a commit made meanwhile) starts again.
 */
final class ReadOnlyOpen {
  /** How often a read-only open starts again because the writing process committed meanwhile. */
  private static final int READ_ONLY_ATTEMPTS = 10;

  /** Opens the backend once. */
  interface Attempt {
    LuceneBackend open() throws IOException;
  }

  private ReadOnlyOpen() {}

  static LuceneBackend open(Path dir, Attempt attempt) {
    Exception last = null;
    for (int i = 1; i <= READ_ONLY_ATTEMPTS; i++) {
      long before = lastCommit(dir);
      LuceneBackend opened;
      try {
        opened = attempt.open();
      } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException e) {
        last = e; // a commit of the writer removed a file we were about to read: again
        continue;
      } catch (StoreCorruptedException e) {
        // Lucene reports a file that a merge of the writer deleted under us as a corrupt index
        // ("Problem reading index", caused by NoSuchFileException): that is a race with a commit,
        // not damage, when the file is missing or the writer has committed since.
        // A file missing from an unchanged commit is damage once the attempts are used up.
        if (lastCommit(dir) != before || (causedByMissingFile(e) && i < READ_ONLY_ATTEMPTS)) {
          last = e;
          continue;
        }
        throw e;
      } catch (IOException e) {
        throw new StoreIOException(
            "cannot open the store at " + dir + " read-only: " + e.getMessage(), e);
      }
      if (lastCommit(dir) == before) {
        return opened;
      }
      opened.close();
    }
    throw new StoreIOException(
        "cannot open the store at "
            + dir
            + " read-only: the process writing it committed during each of "
            + READ_ONLY_ATTEMPTS
            + " attempts"
            + (last == null ? "" : " (" + last.getMessage() + ")")
            + "; try again",
        last);
  }

  private static boolean causedByMissingFile(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.file.NoSuchFileException
          || t instanceof java.io.FileNotFoundException) {
        return true;
      }
    }
    return false;
  }

  /** The generation of the index's last commit, or -1 if it cannot be listed. */
  private static long lastCommit(Path dir) {
    try (var files = java.nio.file.Files.list(dir.resolve("index"))) {
      return org.apache.lucene.index.SegmentInfos.getLastCommitGeneration(
          files.map(p -> p.getFileName().toString()).toArray(String[]::new));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
