package dev.engram.retrieval.internal;

import dev.engram.StoreCorruptedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The operation log that makes acknowledged writes durable between Lucene commits (Elasticsearch's
 * translog, small). Each record is {@code [length:int][crc32c:int][payload]}; a generation is one
 * file, {@code translog-<generation>.tlog}. A commit records the generation it starts, after which
 * older files are deleted.
 *
 * <p>On recovery, a record cut short at the end of the newest file (the process died while writing
 * it, so it was never acknowledged) is truncated away. Anything else that does not check out — a
 * bad record followed by good ones, or in an older file — is corruption and is reported, not
 * skipped.
 */
final class Translog implements AutoCloseable {
  private static final Pattern NAME = Pattern.compile("translog-(\\d+)\\.tlog");
  private static final int MAX_RECORD = 256 * 1024 * 1024;

  private final Path dir;
  private final LogFileOps ops;
  private long generation;
  private FileChannel channel;
  private long size;
  private boolean unsynced;

  private Translog(Path dir, LogFileOps ops) {
    this.dir = dir;
    this.ops = ops;
  }

  /** A replayed record. */
  record Record(long generation, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  /**
   * Opens the log directory: reads every record of generations {@code >= fromGeneration} (repairing
   * a torn tail), deletes older files, and positions for appending to the newest generation.
   */
  static Translog open(Path dir, long fromGeneration, LogFileOps ops, List<Record> replay)
      throws IOException {
    Files.createDirectories(dir);
    TreeMap<Long, Path> files = new TreeMap<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches()) {
          files.put(Long.parseLong(m.group(1)), p);
        }
      }
    }
    Translog log = new Translog(dir, ops);
    for (var e : files.entrySet()) {
      if (e.getKey() < fromGeneration) {
        Files.delete(e.getValue());
      }
    }
    var live = files.tailMap(fromGeneration, true);
    long last = live.isEmpty() ? fromGeneration : Math.max(fromGeneration, live.lastKey());
    for (var e : live.entrySet()) {
      boolean newest = e.getKey() == last;
      readAll(e.getKey(), e.getValue(), newest, replay);
    }
    log.generation = last;
    log.channel = ops.open(log.file(last));
    log.size = log.channel.size();
    log.channel.position(log.size);
    return log;
  }

  private static void readAll(long generation, Path file, boolean newest, List<Record> out)
      throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long length = ch.size();
      long pos = 0;
      ByteBuffer header = ByteBuffer.allocate(8);
      List<Record> records = new ArrayList<>();
      while (pos < length) {
        String problem = null;
        boolean reachesEnd = length - pos < 8;
        byte[] payload = null;
        if (length - pos < 8) {
          problem = "a record header is cut short";
        } else {
          header.clear();
          readFully(ch, header, pos);
          header.flip();
          int len = header.getInt();
          int crc = header.getInt();
          if (len <= 0 || len > MAX_RECORD) {
            problem = "a record length of " + len + " bytes is impossible";
          } else if (length - pos - 8 < len) {
            problem = "a record is cut short";
            reachesEnd = true;
          } else {
            ByteBuffer body = ByteBuffer.allocate(len);
            readFully(ch, body, pos + 8);
            payload = body.array();
            CRC32C check = new CRC32C();
            check.update(payload);
            if ((int) check.getValue() != crc) {
              problem = "a record's checksum does not match";
              reachesEnd = pos + 8 + len == length;
            }
          }
        }
        if (problem != null) {
          // A torn tail: the process died while writing the last record, which was never
          // acknowledged. Only acceptable at the very end of the newest file.
          if (newest && (reachesEnd || onlyZerosFrom(ch, pos, length))) {
            ch.truncate(pos);
            ch.force(true);
            break;
          }
          throw new StoreCorruptedException(
              "operation log "
                  + file
                  + " is corrupt at byte "
                  + pos
                  + ": "
                  + problem
                  + "; the records before it are intact — restore the store from a backup or"
                  + " remove this file to lose the changes it holds",
              null);
        }
        records.add(new Record(generation, payload));
        pos += 8 + payload.length;
      }
      out.addAll(records);
    }
  }

  /** Whether the file holds only zero bytes from {@code from} (space allocated, never written). */
  private static boolean onlyZerosFrom(FileChannel ch, long from, long length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    for (long pos = from; pos < length; ) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), length - pos));
      readFully(ch, buf, pos);
      for (int i = 0; i < buf.limit(); i++) {
        if (buf.get(i) != 0) {
          return false;
        }
      }
      pos += buf.limit();
    }
    return true;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private Path file(long gen) {
    return dir.resolve("translog-" + gen + ".tlog");
  }

  /** The generation being appended to. */
  long generation() {
    return generation;
  }

  /** Bytes in the current generation. */
  long size() {
    return size;
  }

  /**
   * Appends a record; with {@code sync}, forces it (and everything before it) to disk. On failure
   * the file is cut back to where it was, so a failed append leaves no partial record behind.
   */
  void append(byte[] payload, boolean sync) throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer buf = ByteBuffer.allocate(8 + payload.length);
    buf.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
    long start = size;
    try {
      while (buf.hasRemaining()) {
        channel.write(buf, start + buf.position());
      }
      size = start + 8 + payload.length;
      if (sync) {
        ops.force(channel);
        unsynced = false;
      } else {
        unsynced = true;
      }
    } catch (IOException e) {
      try {
        channel.truncate(start);
        size = start;
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Forces deferred records to disk. */
  void sync() throws IOException {
    if (unsynced) {
      ops.force(channel);
      unsynced = false;
    }
  }

  /** Starts a new generation (before a commit that records it). */
  long roll() throws IOException {
    sync();
    channel.close();
    generation++;
    channel = ops.open(file(generation));
    size = channel.size();
    channel.position(size);
    return generation;
  }

  /** Deletes generations older than {@code keepFrom} (after a commit made them redundant). */
  void trim(long keepFrom) throws IOException {
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(1)) < keepFrom) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (channel != null && channel.isOpen()) {
      sync();
      channel.close();
    }
  }
}
