package dev.engram.retrieval.internal;

import dev.engram.StoreCorruptedException;
import dev.engram.StoreIOException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only record log between Lucene commits (Elasticsearch's translog, small). Each record
 * is {@code [length:int][crc32c:int][payload]}; a generation is one file, {@code
 * <prefix>-<generation>.tlog}. A commit records the generation it starts, after which older files
 * are deleted.
 *
 * <p>Two kinds are kept. The <em>strict</em> operation log holds only records forced to disk before
 * they were acknowledged, so on recovery a record cut short at the end of the newest file (the
 * process died while writing it, so it was never acknowledged) is truncated away, and anything else
 * that does not check out — a bad record followed by good ones, or in an older file — is corruption
 * and is reported, not skipped. The <em>lenient</em> journal holds deferred records that are not
 * forced one by one (recall statistics); after a power loss any part of its unforced tail may be
 * missing, so it is read up to the first record that does not check out, and the rest of that file
 * is cut away with a warning.
 *
 * <p>Writes are immune to the caller's interrupt: an interrupted thread would otherwise close the
 * channel for every later write. A channel closed under a write anyway is reopened and the partial
 * record cut back.
 */
final class Translog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Translog.class);
  private static final int MAX_RECORD = 256 * 1024 * 1024;

  /** How a log is opened. */
  enum Mode {
    /** Operation log: every record was forced before it was acknowledged. */
    STRICT,
    /** Deferred journal: the unforced tail may be damaged; read what checks out. */
    LENIENT,
    /** Read the records without changing any file (a strict log of a store being rebuilt). */
    READ_ONLY
  }

  private final Path dir;
  private final String prefix;
  private final Pattern name;
  private final LogFileOps ops;
  private long generation;
  private FileChannel channel;
  private long size;
  private boolean unsynced;

  private Translog(Path dir, String prefix, LogFileOps ops) {
    this.dir = dir;
    this.prefix = prefix;
    this.name = Pattern.compile(Pattern.quote(prefix) + "-(\\d+)\\.tlog");
    this.ops = ops;
  }

  /** A replayed record. */
  record Record(long generation, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  /**
   * Opens the log {@code <prefix>-N.tlog} in {@code dir}: reads every record of generations {@code
   * >= fromGeneration} (repairing a torn tail), deletes older files, and positions for appending to
   * the newest generation. {@link Mode#READ_ONLY} changes no file and cannot append.
   */
  static Translog open(
      Path dir, String prefix, long fromGeneration, LogFileOps ops, List<Record> replay, Mode mode)
      throws IOException {
    boolean readOnly = mode == Mode.READ_ONLY;
    if (!readOnly) {
      Files.createDirectories(dir);
    }
    Translog log = new Translog(dir, prefix, ops);
    TreeMap<Long, Path> files = new TreeMap<>();
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
        for (Path p : stream) {
          Matcher m = log.name.matcher(p.getFileName().toString());
          if (m.matches()) {
            files.put(Long.parseLong(m.group(1)), p);
          }
        }
      }
    }
    if (!readOnly) {
      for (var e : files.entrySet()) {
        if (e.getKey() < fromGeneration) {
          Files.delete(e.getValue());
        }
      }
    }
    var live = files.tailMap(fromGeneration, true);
    long last = live.isEmpty() ? fromGeneration : Math.max(fromGeneration, live.lastKey());
    for (var e : live.entrySet()) {
      boolean newest = e.getKey() == last;
      readAll(e.getKey(), e.getValue(), newest, mode, replay);
    }
    log.generation = last;
    if (!readOnly) {
      log.channel = ops.open(log.file(last));
      log.size = log.channel.size();
      log.channel.position(log.size);
    }
    return log;
  }

  private static void readAll(
      long generation, Path file, boolean newest, Mode mode, List<Record> out) throws IOException {
    List<Record> records = new ArrayList<>();
    long cutAt = -1;
    String cutProblem = null;
    boolean cutTorn = false;
    try (FileChannel ch = openForReading(file)) {
      long length = ch.size();
      long pos = 0;
      ByteBuffer header = ByteBuffer.allocate(8);
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
          boolean tornTail = newest && (reachesEnd || onlyZerosFrom(ch, pos, length));
          if (mode == Mode.LENIENT || tornTail) {
            // A torn tail: the process died while writing the last record, which was never
            // acknowledged; or damage in a journal's unforced tail, which promises no more.
            cutAt = pos;
            cutProblem = problem;
            cutTorn = tornTail;
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
    }
    if (cutAt >= 0 && mode != Mode.READ_ONLY) {
      if (!cutTorn) {
        LOG.warn(
            "deferred journal {} is damaged at byte {} ({}); the records after it are dropped",
            file,
            cutAt,
            cutProblem);
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(cutAt);
        ch.force(true);
      }
    }
    out.addAll(records);
  }

  private static FileChannel openForReading(Path file) throws IOException {
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (AccessDeniedException e) {
      throw new StoreIOException(
          "cannot read the log file "
              + file
              + ": permission denied; give the process read and write access to it",
          e);
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
    return dir.resolve(prefix + "-" + gen + ".tlog");
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
    boolean interrupted = Thread.interrupted();
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
      interrupted |= cutBack(start, e);
      throw e;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Cuts the file back to {@code start} after a failed append, reopening the channel if the failure
   * closed it. Returns whether an interrupt was cleared on the way.
   */
  private boolean cutBack(long start, IOException failure) {
    boolean interrupted = Thread.interrupted();
    try {
      if (!channel.isOpen()) {
        channel = ops.open(file(generation));
      }
      channel.truncate(start);
      size = start;
    } catch (IOException suppressed) {
      failure.addSuppressed(suppressed);
    }
    return interrupted;
  }

  /** Forces deferred records to disk. */
  void sync() throws IOException {
    if (unsynced) {
      boolean interrupted = Thread.interrupted();
      try {
        if (!channel.isOpen()) {
          channel = ops.open(file(generation));
        }
        ops.force(channel);
        unsynced = false;
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** Starts the next generation (before a commit that records it). */
  long roll() throws IOException {
    return rollTo(generation + 1);
  }

  /** Starts generation {@code next} (a journal follows the operation log's numbering). */
  long rollTo(long next) throws IOException {
    if (next <= generation) {
      throw new IllegalStateException("generation " + next + " is not after " + generation);
    }
    sync();
    channel.close();
    generation = next;
    channel = ops.open(file(generation));
    size = channel.size();
    channel.position(size);
    return generation;
  }

  /** Deletes generations older than {@code keepFrom} (after a commit made them redundant). */
  void trim(long keepFrom) throws IOException {
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        Matcher m = name.matcher(p.getFileName().toString());
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
