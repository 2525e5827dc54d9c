package dev.engram.llm.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the JSON object out of a model's reply, tolerating what models wrap around it: a leading
 * {@code <think>} block, Markdown code fences, prose before or after (braces included), and
 * trailing commas.
 */
public final class JsonReply {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(JsonReadFeature.ALLOW_TRAILING_COMMA).build();
  private static final Pattern LEADING_THINKING = Pattern.compile("^\\s*<(think|thinking)>");
  private static final int MAX_CANDIDATES = 64;

  private JsonReply() {}

  /**
   * The JSON object in the reply that has {@code key}: the first such object outside any other;
   * failing that, the first object at all, so the caller can say what it lacks.
   *
   * @throws IllegalArgumentException saying what was wrong, for the retry prompt
   */
  public static JsonNode parse(String reply, String key) {
    if (reply == null || reply.isBlank()) {
      throw new IllegalArgumentException("the reply was empty");
    }
    String text = withoutLeadingThinking(reply);
    JsonNode firstObject = null;
    String firstProblem = null;
    int from = 0;
    for (int tries = 0; tries < MAX_CANDIDATES; tries++) {
      int start = text.indexOf('{', from);
      if (start < 0) {
        break;
      }
      int end = matchingBrace(text, start);
      if (end < 0) {
        // Perhaps a stray brace in prose before the answer: look on.
        firstProblem =
            firstProblem(
                firstObject, firstProblem, "the reply's JSON object was not closed (truncated?)");
        from = start + 1;
        continue;
      }
      try {
        JsonNode node = MAPPER.readTree(text.substring(start, end + 1));
        if (node.has(key)) {
          return node;
        }
        if (firstObject == null && firstProblem == null) {
          firstObject = node;
        }
        from = end + 1;
      } catch (JsonProcessingException e) {
        firstProblem =
            firstProblem(
                firstObject,
                firstProblem,
                "the reply was not valid JSON: " + e.getOriginalMessage());
        from = start + 1;
      }
    }
    if (firstObject != null) {
      return firstObject;
    }
    throw new IllegalArgumentException(
        firstProblem != null ? firstProblem : "the reply contained no JSON object");
  }

  /** What went wrong first: a problem found before any object is reported over later ones. */
  private static String firstProblem(JsonNode firstObject, String firstProblem, String problem) {
    return firstProblem != null || firstObject != null ? firstProblem : problem;
  }

  /**
   * The reply after the reasoning block a reasoning model opens it with. Only a leading block
   * counts: {@code <think>} elsewhere may be part of what the model quotes.
   */
  private static String withoutLeadingThinking(String reply) {
    String text = reply;
    Matcher m = LEADING_THINKING.matcher(text);
    while (m.find()) {
      String close = "</" + m.group(1) + ">";
      int end = text.indexOf(close, m.end());
      if (end < 0) {
        throw new IllegalArgumentException(
            "the reply's <" + m.group(1) + "> block was never closed (truncated?)");
      }
      text = text.substring(end + close.length());
      m = LEADING_THINKING.matcher(text);
    }
    return text;
  }

  private static int matchingBrace(String s, int start) {
    int depth = 0;
    boolean inString = false;
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }
}
