package dev.engram.examples.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.Engram;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

  /**
   * Reads {@code file} ({@code -} for standard input). Any file that is not a directory is read as
   * a stream, so pipes ({@code --file <(grep tea notes.txt)}), {@code /dev/stdin} and {@code
   * /dev/null} (empty input) work as users expect. Every problem is a {@link UsageException} naming
   * {@code --file}: nothing has been stored yet.
   */
  static List<String> read(String file, InputStream stdin) throws IOException {
    String name = file.equals("-") ? "--file - (standard input)" : "--file " + file;
    String content;
    if (file.equals("-")) {
      content = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
    } else {
      content = readFile(file);
    }
    List<String> entries = new ArrayList<>();
    List<String> where = new ArrayList<>();
    if (content.strip().startsWith("[")) {
      JsonNode root;
      try {
        root = JSON.readTree(content);
      } catch (JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        throw new UsageException(
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
          throw new UsageException(
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
      throw new UsageException(
          name + " has no memories: expected one per line or a JSON list of strings");
    }
    for (int i = 0; i < entries.size(); i++) {
      int bytes = entries.get(i).getBytes(StandardCharsets.UTF_8).length;
      if (bytes > Engram.Builder.DEFAULT_MAX_TEXT_BYTES) {
        throw new UsageException(
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

  private static String readFile(String file) throws IOException {
    Path p = Path.of(file);
    if (Files.isDirectory(p)) {
      throw new UsageException(
          "--file "
              + file
              + " is a directory; give a file with one memory per line or a JSON list of strings");
    }
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UsageException("--file " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new UsageException("--file " + file + ": permission denied");
    } catch (FileSystemException e) {
      throw new UsageException(
          "--file " + file + ": " + (e.getReason() == null ? "cannot be read" : e.getReason()));
    }
  }
}
