package dev.engram.retrieval.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.IncompatibleStoreException;
import dev.engram.StoreCorruptedException;
import dev.engram.backend.MemoryCodec;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code engram.json}: what built a store directory (format, embedding model and dimension,
 * analyzer), so that it refuses to open with something that would silently give wrong results.
 *
 * @param format the layout version
 * @param modelId the embedding model, or {@code "none"} for a lexical-only store
 * @param dimension the vector length, 0 for none
 * @param analyzer the analyzer's name
 * @param passageFormat the name of the passage format
 */
record StoreMeta(int format, String modelId, int dimension, String analyzer, String passageFormat) {
  static final String FILE = "engram.json";
  static final int FORMAT = 1;

  /** Reads the metadata of an existing store, or {@code null} if the directory has none. */
  static StoreMeta read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      JsonNode n = MemoryCodec.mapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
      return new StoreMeta(
          n.path("format").asInt(-1),
          n.path("embeddingModel").asText(),
          n.path("dimension").asInt(),
          n.path("analyzer").asText(),
          n.path("passageFormat").asText("english"));
    } catch (IOException | RuntimeException e) {
      throw new StoreCorruptedException(
          file + " is not readable store metadata: " + e.getMessage(), e);
    }
  }

  /** Writes atomically: a temporary file, fsynced, then renamed over the old one. */
  void write(Path dir) throws IOException {
    ObjectNode n = MemoryCodec.mapper().createObjectNode();
    n.put("format", format);
    n.put("embeddingModel", modelId);
    n.put("dimension", dimension);
    n.put("analyzer", analyzer);
    n.put("passageFormat", passageFormat);
    Path tmp = dir.resolve(FILE + ".tmp");
    Files.writeString(
        tmp, MemoryCodec.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(n));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(
        tmp,
        dir.resolve(FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** Refuses a store built with another model, dimension or analyzer, saying how to migrate. */
  void checkCompatible(StoreMeta wanted, Path dir) {
    if (format != FORMAT) {
      throw new IncompatibleStoreException(
          "store at "
              + dir
              + " has layout format "
              + format
              + "; this version reads format "
              + FORMAT);
    }
    if (!modelId.equals(wanted.modelId) || dimension != wanted.dimension) {
      throw new IncompatibleStoreException(
          "store at "
              + dir
              + " was built with embedding model "
              + modelId
              + " ("
              + dimension
              + " dimensions) but was opened with "
              + wanted.modelId
              + " ("
              + wanted.dimension
              + " dimensions); open it with the same model, or rebuild its vectors with"
              + " EmbeddedMemory.reindex(path, newOptions) (or `engram reindex`)");
    }
    if (!analyzer.equals(wanted.analyzer)) {
      throw new IncompatibleStoreException(
          "store at "
              + dir
              + " was built with analyzer "
              + analyzer
              + " but was opened with "
              + wanted.analyzer
              + "; open it with the same analyzer, or rebuild it with EmbeddedMemory.reindex(path,"
              + " newOptions)");
    }
    if (!passageFormat.equals(wanted.passageFormat)) {
      throw new IncompatibleStoreException(
          "store at "
              + dir
              + " was built with passage format "
              + passageFormat
              + " but was opened with "
              + wanted.passageFormat
              + "; open it with the same format, or rebuild it with EmbeddedMemory.reindex(path,"
              + " newOptions)");
    }
  }
}
