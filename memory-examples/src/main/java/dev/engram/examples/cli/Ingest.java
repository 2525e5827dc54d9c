package dev.engram.examples.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.Engram;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The entries of {@code engram add --file}: a JSON list (of strings, or of objects with a {@code
 * text}), or else one memory per non-blank line. Every entry is checked before anything is stored.
 */
final class Ingest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Ingest() {}

  /** Reads {@code file} ({@code -} for standard input). */
  static List<String> read(String file, InputStream stdin) throws IOException {
    String name = file.equals("-") ? "stdin" : file;
    String content;
    if (file.equals("-")) {
      content = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
    } else {
      Path p = Path.of(file);
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException("no such file: " + file);
      }
      content = Files.readString(p, StandardCharsets.UTF_8);
    }
    List<String> entries = new ArrayList<>();
    List<String> where = new ArrayList<>();
    if (content.strip().startsWith("[")) {
      JsonNode root;
      try {
        root = JSON.readTree(content);
      } catch (JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        throw new IllegalArgumentException(
            name
                + " is not valid JSON: "
                + e.getOriginalMessage()
                + (at == null
                    ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
      }
      int i = 0;
      for (JsonNode n : root) {
        i++;
        JsonNode text = n.isObject() ? n.path("text") : n;
        if (!text.isTextual() || text.asText().isBlank()) {
          throw new IllegalArgumentException(
              name
                  + " entry "
                  + i
                  + " is not a memory: expected a non-empty string or an object with a \"text\"");
        }
        entries.add(text.asText().strip());
        where.add("entry " + i);
      }
    } else {
      int line = 0;
      for (String l : content.split("\\R", -1)) {
        line++;
        if (!l.isBlank()) {
          entries.add(l.strip());
          where.add("line " + line);
        }
      }
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException(
          name + " has no memories: expected one per line or a JSON list of strings");
    }
    for (int i = 0; i < entries.size(); i++) {
      int bytes = entries.get(i).getBytes(StandardCharsets.UTF_8).length;
      if (bytes > Engram.Builder.DEFAULT_MAX_TEXT_BYTES) {
        throw new IllegalArgumentException(
            name
                + " "
                + where.get(i)
                + " is "
                + bytes
                + " bytes of UTF-8; a memory is at most "
                + Engram.Builder.DEFAULT_MAX_TEXT_BYTES
                + "; nothing was stored");
      }
    }
    return entries;
  }
}
