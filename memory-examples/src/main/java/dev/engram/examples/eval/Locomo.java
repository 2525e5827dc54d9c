package dev.engram.examples.eval;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file in the LoCoMo format (snap-research/LoCoMo): conversations of dated sessions of turns, and
 * questions with the dialog ids of their evidence.
 */
public final class Locomo {
  private static final Pattern SESSION_KEY = Pattern.compile("session_(\\d+)");
  private static final Pattern EVIDENCE = Pattern.compile("D(\\d+):(\\d+)");
  private static final DateTimeFormatter DATE =
      new DateTimeFormatterBuilder()
          .parseCaseInsensitive()
          .appendPattern("h:mm a 'on' d MMMM, yyyy")
          .toFormatter(Locale.ENGLISH);

  private Locomo() {}

  /** One turn. */
  public record Turn(String diaId, String speaker, String text) {}

  /** One session: its number, when it happened (UTC), and its turns in order. */
  public record Session(int number, Instant date, List<Turn> turns) {}

  /** A question, with its gold answer, category (1–5) and the usable gold evidence ids. */
  public record Question(String text, String answer, int category, List<String> evidence) {}

  /** A conversation and its questions. */
  public record Conversation(
      String sampleId, List<Session> sessions, List<Question> questions, int unusableEvidence) {}

  /** Reads a LoCoMo-format file. */
  public static List<Conversation> read(Path file) throws IOException {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new IllegalArgumentException(
          file
              + " is not valid JSON: "
              + e.getOriginalMessage()
              + (at == null
                  ? ""
                  : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    }
    if (!root.isArray()) {
      throw new IllegalArgumentException(
          file + " is not a LoCoMo file: expected a JSON list of samples");
    }
    List<Conversation> out = new ArrayList<>();
    int index = 0;
    for (JsonNode sample : root) {
      index++;
      String id = sample.path("sample_id").asText("sample-" + index);
      JsonNode conv = sample.path("conversation");
      if (!conv.isObject()) {
        throw new IllegalArgumentException(
            file + ": sample " + id + " has no \"conversation\" object");
      }
      List<Session> sessions = new ArrayList<>();
      Set<String> ids = new LinkedHashSet<>();
      for (var field : conv.properties()) {
        Matcher m = SESSION_KEY.matcher(field.getKey());
        if (!m.matches() || !field.getValue().isArray()) {
          continue;
        }
        int n = Integer.parseInt(m.group(1));
        Instant date = parseDate(conv.path("session_" + n + "_date_time").asText(""), file, id, n);
        List<Turn> turns = new ArrayList<>();
        for (JsonNode t : field.getValue()) {
          String text = t.path("text").asText("");
          String caption = t.path("blip_caption").asText("");
          if (!caption.isBlank()) {
            text = (text + " [shares " + caption + "]").strip();
          }
          if (text.isBlank()) {
            continue;
          }
          String dia = normalizeId(t.path("dia_id").asText(""));
          turns.add(new Turn(dia, t.path("speaker").asText("unknown"), text));
          ids.add(dia);
        }
        sessions.add(new Session(n, date, turns));
      }
      sessions.sort(Comparator.comparingInt(Session::number));
      List<Question> questions = new ArrayList<>();
      int unusable = 0;
      for (JsonNode q : sample.path("qa")) {
        List<String> evidence = new ArrayList<>();
        for (JsonNode e : q.path("evidence")) {
          for (String dia : evidenceIds(e.asText())) {
            if (ids.contains(dia) && !evidence.contains(dia)) {
              evidence.add(dia);
            }
          }
        }
        int category = q.path("category").asInt(0);
        if (evidence.isEmpty() && category >= 1 && category <= 4) {
          unusable++;
        }
        String answer = q.path("answer").asText(q.path("adversarial_answer").asText(""));
        questions.add(new Question(q.path("question").asText(), answer, category, evidence));
      }
      out.add(new Conversation(id, sessions, questions, unusable));
    }
    return out;
  }

  /**
   * The dialog ids an evidence entry cites, by the data's rule: split on {@code ;}, {@code ,} and
   * spaces and keep the parts that are exactly {@code D<n>:<n>} ({@code "D8:6; D9:17"} cites two;
   * {@code "D10:2:3"}, {@code "D"} and {@code "D:11:26"} cite none), normalised.
   */
  static List<String> evidenceIds(String entry) {
    List<String> out = new ArrayList<>();
    for (String part : entry.split("[;,\\s]+")) {
      Matcher m = EVIDENCE.matcher(part);
      if (m.matches()) {
        out.add("D" + Integer.parseInt(m.group(1)) + ":" + Integer.parseInt(m.group(2)));
      }
    }
    return out;
  }

  /** {@code D30:05} and {@code D30:5} are the same turn. */
  static String normalizeId(String dia) {
    Matcher m = EVIDENCE.matcher(dia);
    return m.matches()
        ? "D" + Integer.parseInt(m.group(1)) + ":" + Integer.parseInt(m.group(2))
        : dia;
  }

  private static Instant parseDate(String text, Path file, String id, int session) {
    try {
      return LocalDateTime.parse(text.strip(), DATE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          file
              + ": sample "
              + id
              + " session "
              + session
              + " has an unreadable date '"
              + text
              + "'",
          e);
    }
  }
}
