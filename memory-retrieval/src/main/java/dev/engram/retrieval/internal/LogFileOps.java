package dev.engram.retrieval.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** How operation-log files are opened and forced to disk; tests substitute failing versions. */
public interface LogFileOps {
  /** Opens (creating if needed) a log file for reading and writing. */
  FileChannel open(Path file) throws IOException;

  /** Forces written bytes to stable storage. */
  default void force(FileChannel channel) throws IOException {
    channel.force(false);
  }

  /** Plain files. */
  LogFileOps DEFAULT =
      file ->
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
}
