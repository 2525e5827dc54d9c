package dev.engram.retrieval.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.StoreCorruptedException;
import dev.engram.backend.MemoryCodec;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operation log: every acknowledged batch, as the index is to hold it (records, vectors,
 * previous-turn context, numbered events), forced to disk before the batch is acknowledged and
 * replayed on open. A commit of the index makes older generations redundant.
 */
final class OperationLog implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(OperationLog.class);
  private static final String PREFIX = "translog";

  /** Journals of recall statistics written by earlier versions; no longer written. */
  private static final String OLD_JOURNAL_PREFIX = "deferred-";

  private final Translog log;

  /** One batch as the log holds it. */
  record Entry(List<MemoryId> purges, List<Prepared> upserts, List<HistoryEvent> events) {}

  private OperationLog(Translog log) {
    this.log = log;
  }

  /**
   * Opens the log, reading every record from {@code fromGeneration} on into {@code replay}.
   *
   * @param readOnly only read it (a store being rebuilt elsewhere)
   */
  static OperationLog open(
      Path logDir, long fromGeneration, LogFileOps ops, boolean readOnly, List<Entry> replay)
      throws IOException {
    List<Translog.Record> records = new ArrayList<>();
    Translog log =
        Translog.open(
            logDir,
            PREFIX,
            fromGeneration,
            ops,
            records,
            readOnly ? Translog.Mode.READ_ONLY : Translog.Mode.STRICT);
    for (Translog.Record r : records) {
      replay.add(decode(r, logDir));
    }
    return new OperationLog(log);
  }

  /** Appends a batch and forces it to disk. */
  void append(Entry entry) throws IOException {
    log.append(encode(entry), true);
  }

  /** Bytes in the current generation. */
  long size() {
    return log.size();
  }

  /** Starts the next generation, before a commit that records it. */
  long roll() throws IOException {
    return log.roll();
  }

  /** Deletes the generations a commit made redundant (and journals of earlier versions). */
  void trim(long keepFrom, Path logDir) throws IOException {
    log.trim(keepFrom);
    try (DirectoryStream<Path> s = Files.newDirectoryStream(logDir, OLD_JOURNAL_PREFIX + "*")) {
      for (Path p : s) {
        LOG.info("dropping {}: recall statistics are kept by the store now", p.getFileName());
        Files.deleteIfExists(p);
      }
    }
  }

  @Override
  public void close() throws IOException {
    log.close();
  }

  private static byte[] encode(Entry entry) {
    ObjectNode root = MemoryCodec.mapper().createObjectNode();
    ArrayNode p = root.putArray("purges");
    entry.purges().forEach(id -> p.add(id.value()));
    ArrayNode u = root.putArray("upserts");
    for (Prepared x : entry.upserts()) {
      ObjectNode o = u.addObject();
      o.set("memory", MemoryCodec.toTree(x.memory()));
      if (x.vector() != null) {
        ByteBuffer buf = ByteBuffer.allocate(x.vector().length * 4);
        buf.asFloatBuffer().put(x.vector());
        o.put("vector", Base64.getEncoder().encodeToString(buf.array()));
        o.put("hash", x.hash());
      }
      if (x.previous() != null) {
        o.put("previous", x.previous());
      }
    }
    ArrayNode e = root.putArray("events");
    entry.events().forEach(ev -> e.add(MemoryCodec.toTree(ev)));
    try {
      return MemoryCodec.mapper().writeValueAsBytes(root);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static Entry decode(Translog.Record r, Path logDir) {
    try {
      JsonNode root = MemoryCodec.mapper().readTree(r.payload());
      List<MemoryId> purges = new ArrayList<>();
      root.path("purges").forEach(n -> purges.add(MemoryId.of(n.asText())));
      List<Prepared> upserts = new ArrayList<>();
      for (JsonNode o : root.path("upserts")) {
        Memory m = MemoryCodec.memoryFromTree(o.get("memory"));
        float[] vector = null;
        if (o.hasNonNull("vector")) {
          ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(o.get("vector").asText()));
          vector = new float[buf.remaining() / 4];
          buf.asFloatBuffer().get(vector);
        }
        upserts.add(
            new Prepared(
                m,
                vector,
                o.hasNonNull("hash") ? o.get("hash").asText() : null,
                o.hasNonNull("previous") ? o.get("previous").asText() : null));
      }
      List<HistoryEvent> events = new ArrayList<>();
      root.path("events").forEach(n -> events.add(MemoryCodec.eventFromTree(n)));
      return new Entry(purges, upserts, events);
    } catch (IOException | RuntimeException e) {
      throw new StoreCorruptedException(
          "an operation-log record in "
              + logDir
              + " (generation "
              + r.generation()
              + ") passed its checksum but cannot be read: "
              + e.getMessage(),
          e);
    }
  }
}
