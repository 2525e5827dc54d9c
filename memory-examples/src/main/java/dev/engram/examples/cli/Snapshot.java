package dev.engram.examples.cli;

import dev.engram.MemoryStore;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Function;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * A read of a store another process holds open: the store's last index commit and its operation log
 * (every acknowledged write, durable before the writer answered) are copied into a temporary
 * directory, which is opened and deleted again on close. So a read command sees everything the
 * writer had acknowledged when it started, takes no lock, and writes nothing into the live store.
 * The copy costs the size of the index; a search on it reinforces nothing.
 */
final class Snapshot {
  /** Commits that land while we copy make us start again; a few tries always suffice. */
  private static final int ATTEMPTS = 5;

  private Snapshot() {}

  /** Copies {@code dir} and opens the copy with {@code opener}; closing it deletes the copy. */
  static MemoryStore open(Path dir, Function<Path, MemoryStore> opener) throws IOException {
    Path copy = Files.createTempDirectory("engram-read-");
    try {
      copy(dir, copy.resolve("store"));
      MemoryStore store = opener.apply(copy.resolve("store"));
      return deletingOnClose(store, copy);
    } catch (IOException | RuntimeException e) {
      Stores.deleteRecursively(copy);
      throw e;
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    IOException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Stores.deleteRecursively(to);
      Files.createDirectories(to.resolve("index"));
      Files.createDirectories(to.resolve("log"));
      try (Directory index = FSDirectory.open(from.resolve("index"))) {
        SegmentInfos commit = SegmentInfos.readLatestCommit(index);
        for (String file : commit.files(true)) {
          Files.copy(from.resolve("index").resolve(file), to.resolve("index").resolve(file));
        }
        // The log after the index: the writer trims it only when it commits, so while its latest
        // commit is the one copied, the log holds everything after it.
        try (DirectoryStream<Path> log = Files.newDirectoryStream(from.resolve("log"))) {
          for (Path p : log) {
            Files.copy(p, to.resolve("log").resolve(p.getFileName()));
          }
        }
        Files.copy(
            from.resolve(Stores.STORE_MARKER),
            to.resolve(Stores.STORE_MARKER),
            StandardCopyOption.REPLACE_EXISTING);
        if (SegmentInfos.readLatestCommit(index).getGeneration() == commit.getGeneration()) {
          return;
        }
      } catch (NoSuchFileException e) {
        last = e; // a commit removed a file we were about to copy: start again
      }
    }
    throw new IllegalStateException(
        "could not take a consistent copy of the store at "
            + from
            + " while another process writes it"
            + (last == null ? "" : " (" + last.getMessage() + ")")
            + "; try again");
  }

  private static MemoryStore deletingOnClose(MemoryStore store, Path copy) {
    return (MemoryStore)
        Proxy.newProxyInstance(
            MemoryStore.class.getClassLoader(),
            new Class<?>[] {MemoryStore.class},
            (proxy, method, args) -> {
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              } finally {
                if (method.getName().equals("close") && method.getParameterCount() == 0) {
                  Stores.deleteRecursively(copy);
                }
              }
            });
  }
}
