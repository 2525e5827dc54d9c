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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
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
 * that does not check out — a bad header, length or checksum anywhere, even in the last record — is
 * damage: it is reported, naming what is lost, and no file is changed; {@link #salvage} keeps every
 * record that checks out, after copying the file aside. The <em>lenient</em> journal holds deferred
 * records that are not forced one by one (recall statistics); after a power loss any part of its
 * unforced tail may be missing, so it is read up to the first record that does not check out, and
 * the rest of that file is cut away with a warning.
 *
 * <p>Writes are immune to the caller's interrupt: an interrupted thread would otherwise close the
 * channel for every later write. A channel closed under a write anyway is reopened and the partial
 * record cut back.
 */
final class Translog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Translog.class);

  /** The largest record, written or read: one limit for both, so none written is refused. */
  static final int MAX_RECORD = 256 * 1024 * 1024;

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
    Scan scan = scan(generation, file);
    Damage first = scan.damage().isEmpty() ? null : scan.damage().get(0);
    if (first == null) {
      out.addAll(scan.records());
      return;
    }
    if (mode == Mode.LENIENT) {
      // Damage in a journal's unforced tail, which promises no more: read up to it.
      LOG.warn(
          "deferred journal {} is damaged at byte {} ({}); the records after it are dropped",
          file,
          first.at(),
          first.problem());
      truncate(file, first.at());
      out.addAll(scan.recordsBefore(first.at()));
      return;
    }
    if (newest && scan.tornTail()) {
      // The process died while writing the last record, which was never acknowledged.
      if (mode != Mode.READ_ONLY) {
        truncate(file, first.at());
      }
      out.addAll(scan.records());
      return;
    }
    throw new StoreCorruptedException(scan.describe(file), null);
  }

  private static void truncate(Path file, long at) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(at);
      ch.force(true);
    }
  }

  /** Bytes of a log file that do not check out, from {@code at} to {@code end}. */
  record Damage(long at, long end, String problem, boolean cutShort) {}

  /** What a log file holds: every record that checks out, and the damaged stretches between. */
  record Scan(long length, List<Record> records, List<Long> positions, List<Damage> damage) {
    /**
     * Whether the only damage is a record cut short (or never written: zeros) at the very end,
     * which is what a crash while appending leaves.
     */
    boolean tornTail() {
      if (damage.size() != 1) {
        return false;
      }
      Damage d = damage.get(0);
      return d.end() == length && d.cutShort();
    }

    List<Record> recordsBefore(long at) {
      List<Record> out = new ArrayList<>();
      for (int i = 0; i < records.size() && positions.get(i) < at; i++) {
        out.add(records.get(i));
      }
      return out;
    }

    long unreadableBytes() {
      long n = 0;
      for (Damage d : damage) {
        n += d.end() - d.at();
      }
      return n;
    }

    String describe(Path file) {
      Damage first = damage.get(0);
      long before = recordsBefore(first.at()).size();
      return "operation log "
          + file
          + " is damaged at byte "
          + first.at()
          + ": "
          + first.problem()
          + "; "
          + unreadableBytes()
          + " of its "
          + length
          + " bytes cannot be read"
          + (damage.size() > 1 ? " (in " + damage.size() + " places)" : "")
          + ", and the acknowledged change(s) they hold are lost; "
          + before
          + " readable record(s) come before the damage and "
          + (records.size() - before)
          + " after it. Nothing was changed. To keep every readable record of every user, run"
          + " `engram repair --store <dir>` (EmbeddedMemory.repair), which first copies the"
          + " damaged file aside; or restore the store from a backup";
    }
  }

  /**
   * Reads every record of a file that checks out. After a record that does not, reading resumes at
   * the next offset where a whole record checks out (length, JSON start and checksum), so one
   * damaged record never hides the ones after it.
   */
  static Scan scan(long generation, Path file) throws IOException {
    byte[] bytes;
    try (FileChannel ch = openForReading(file)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE - 16) {
        throw new StoreCorruptedException(
            "operation log " + file + " is " + size + " bytes, more than a log can hold", null);
      }
      ByteBuffer all = ByteBuffer.allocate((int) size);
      readFully(ch, all, 0);
      bytes = all.array();
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    List<Record> records = new ArrayList<>();
    List<Long> positions = new ArrayList<>();
    List<Damage> damage = new ArrayList<>();
    int length = bytes.length;
    int pos = 0;
    while (pos < length) {
      String problem = null;
      boolean cutShort = false;
      int len = 0;
      if (length - pos < 8) {
        problem = "a record header is cut short";
        cutShort = true;
      } else {
        len = buf.getInt(pos);
        int crc = buf.getInt(pos + 4);
        if (len <= 0 || len > MAX_RECORD) {
          problem = "a record length of " + len + " bytes is impossible";
        } else if (length - pos - 8 < len) {
          problem = "a record of " + len + " bytes is cut short";
          cutShort = true;
        } else {
          CRC32C check = new CRC32C();
          check.update(bytes, pos + 8, len);
          if ((int) check.getValue() != crc) {
            problem = "a record's checksum does not match";
          }
        }
      }
      if (problem == null) {
        records.add(new Record(generation, Arrays.copyOfRange(bytes, pos + 8, pos + 8 + len)));
        positions.add((long) pos);
        pos += 8 + len;
        continue;
      }
      int next = nextRecord(bytes, pos + 1);
      int end = next < 0 ? length : next;
      // Space allocated but never written reads as zeros: a tail that was never written.
      boolean zeros = next < 0 && onlyZeros(bytes, pos);
      damage.add(new Damage(pos, end, problem, next < 0 && (cutShort || zeros)));
      pos = end;
    }
    return new Scan(length, records, positions, damage);
  }

  /** The first offset from {@code from} where a whole record checks out, or -1. */
  private static int nextRecord(byte[] bytes, int from) {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    for (int at = from; at + 9 <= bytes.length; at++) {
      if (bytes[at + 8] != '{') {
        continue; // every payload is a JSON object
      }
      int len = buf.getInt(at);
      if (len <= 0 || len > bytes.length - at - 8) {
        continue;
      }
      CRC32C check = new CRC32C();
      check.update(bytes, at + 8, len);
      if ((int) check.getValue() == buf.getInt(at + 4)) {
        return at;
      }
    }
    return -1;
  }

  private static boolean onlyZeros(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** What {@link #salvage} did to one file. */
  record Salvage(Path file, Path copy, int recordsKept, long bytesDropped) {}

  /**
   * Rewrites a damaged log file with every record that checks out, after copying it into {@code
   * aside}; returns {@code null} (and changes nothing) if the file is intact or only torn at its
   * end.
   */
  static Salvage salvage(Path file, Path aside) throws IOException {
    Scan scan = scan(0, file);
    if (scan.damage().isEmpty() || scan.tornTail()) {
      return null;
    }
    Files.createDirectories(aside);
    Path copy = aside.resolve(file.getFileName());
    Files.copy(file, copy, StandardCopyOption.COPY_ATTRIBUTES);
    try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Path temp = file.resolveSibling(file.getFileName() + ".repair");
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      for (Record r : scan.records()) {
        ByteBuffer b = frame(r.payload());
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      ch.force(true);
    }
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new Salvage(file, copy, scan.records().size(), scan.unreadableBytes());
  }

  private static ByteBuffer frame(byte[] payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer buf = ByteBuffer.allocate(8 + payload.length);
    buf.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
    return buf;
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
    if (payload.length > MAX_RECORD) {
      // The reader refuses such a record: writing it would make the store unopenable.
      throw new IllegalArgumentException(
          "this change would write an operation-log record of "
              + payload.length
              + " bytes; the limit is "
              + MAX_RECORD
              + " bytes (store less per add or update)");
    }
    ByteBuffer buf = frame(payload);
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
