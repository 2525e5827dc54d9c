package dev.engram.retrieval;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link EmbeddedMemory#repair(Path)} did.
 *
 * @param files the operation-log files it rewrote; empty if none was damaged
 */
public record RepairReport(List<File> files) {
  /** Validates. */
  public RepairReport {
    files = List.copyOf(Objects.requireNonNull(files, "files must not be null"));
  }

  /**
   * One rewritten log file.
   *
   * @param file the file, now holding only records that check out
   * @param copy where the file as it was was copied first
   * @param recordsKept how many records it still holds
   * @param bytesDropped how many bytes could not be read and were dropped
   */
  public record File(Path file, Path copy, int recordsKept, long bytesDropped) {
    /** Validates. */
    public File {
      Objects.requireNonNull(file, "file must not be null");
      Objects.requireNonNull(copy, "copy must not be null");
    }
  }
}
