package dev.engram.retrieval.internal;

import dev.engram.StoreIOException;
import dev.engram.retrieval.RepairReport;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Salvages a store whose operation log is damaged: every log file that does not check out is copied
 * into {@code damaged/repair-N/} of the store, then rewritten with every record that checks out.
 * The index is not touched; the next open replays what was kept.
 */
public final class LogRepair {
  private LogRepair() {}

  /** Repairs the store in {@code dir}, which must not be open. */
  public static RepairReport repair(Path dir) {
    if (!Files.isRegularFile(dir.resolve(StoreMeta.FILE))) {
      throw new IllegalArgumentException(
          dir + " is not an Engram store (no " + StoreMeta.FILE + ")");
    }
    try (StoreDirectory store = StoreDirectory.open(dir, null, true)) {
      Path aside = freshAside(dir.resolve("damaged"));
      List<RepairReport.File> repaired = new ArrayList<>();
      if (Files.isDirectory(store.log())) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(store.log(), "*.tlog")) {
          for (Path f : files) {
            Translog.Salvage s = Translog.salvage(f, aside);
            if (s != null) {
              repaired.add(
                  new RepairReport.File(s.file(), s.copy(), s.recordsKept(), s.bytesDropped()));
            }
          }
        }
      }
      return new RepairReport(repaired);
    } catch (IOException e) {
      throw new StoreIOException("could not repair the store at " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Path freshAside(Path damaged) {
    for (int n = 1; ; n++) {
      Path p = damaged.resolve("repair-" + n);
      if (!Files.exists(p)) {
        return p;
      }
    }
  }
}
