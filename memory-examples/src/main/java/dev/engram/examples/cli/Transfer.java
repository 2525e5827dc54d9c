package dev.engram.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.MemoryCodec;
import dev.engram.backend.WriteBatch;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Moves a store between backends as JSON Lines: a header line, then one line per memory with its
 * history ({@code {"memory": …, "history": [ …]}}), oldest first. Vectors are not exported: the
 * importing backend embeds each memory with its own model, so a store moves between models too.
 * Importing skips memories the target already holds, so an interrupted import is safely run again;
 * each memory and its history are one write, all or nothing. Events are renumbered by the target in
 * import order (each memory's history keeps its order). A purged memory is not exported.
 */
final class Transfer {
  static final String FORMAT = "engram-export";
  private static final ObjectMapper JSON = MemoryCodec.mapper();
  private static final int PAGE = 500;

  private Transfer() {}

  /** Writes every memory of the backend with its history; returns how many. */
  static long export(MemoryBackend from, Path file, BiConsumer<Long, Long> progress)
      throws IOException {
    long total = from.count(Filter.all());
    long done = 0;
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      ObjectNode header = JSON.createObjectNode();
      header.put("format", FORMAT).put("version", 1).put("memories", total);
      w.write(JSON.writeValueAsString(header));
      w.newLine();
      ListQuery page = ListQuery.first(Filter.all(), PAGE);
      while (true) {
        List<Memory> batch = from.list(page);
        for (Memory m : batch) {
          ObjectNode line = JSON.createObjectNode();
          line.set("memory", MemoryCodec.toTree(m));
          ArrayNode history = line.putArray("history");
          for (HistoryEvent e : from.history(m.id())) {
            history.add(MemoryCodec.toTree(e));
          }
          w.write(JSON.writeValueAsString(line));
          w.newLine();
          progress.accept(++done, total);
        }
        if (batch.size() < PAGE) {
          return done;
        }
        Memory last = batch.get(batch.size() - 1);
        page = new ListQuery(Filter.all(), last.createdAt(), last.id(), PAGE, false);
      }
    }
  }

  /** What an import did. */
  record Imported(long imported, long skipped) {}

  /** Imports an export into the backend; memories it already holds are skipped. */
  static Imported importInto(MemoryBackend to, Path file, BiConsumer<Long, Long> progress)
      throws IOException {
    long imported = 0;
    long skipped = 0;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = r.readLine();
      JsonNode header = first == null ? null : JSON.readTree(first);
      if (header == null || !FORMAT.equals(header.path("format").asText())) {
        throw new IllegalArgumentException(
            file + " is not an Engram export (its first line must be the export header)");
      }
      long total = header.path("memories").asLong();
      String line;
      int number = 1;
      while ((line = r.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode n;
        Memory m;
        List<HistoryEvent> events = new ArrayList<>();
        try {
          n = JSON.readTree(line);
          m = MemoryCodec.memoryFromTree(n.path("memory"));
          for (JsonNode e : n.path("history")) {
            events.add(MemoryCodec.eventFromTree(e).withSequence(0));
          }
        } catch (IOException | RuntimeException e) {
          throw new IllegalArgumentException(
              file + " line " + number + " is not a memory with its history: " + e.getMessage(), e);
        }
        if (to.get(m.id()).isPresent()) {
          skipped++;
        } else {
          to.apply(new WriteBatch(List.of(), List.of(m), events));
          imported++;
        }
        progress.accept(imported + skipped, total);
      }
    }
    return new Imported(imported, skipped);
  }
}
