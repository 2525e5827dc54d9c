package dev.engram.llm.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.regex.Pattern;

/**
 * Reads the JSON object out of a model's reply, tolerating what models wrap around it: {@code
 * <think>} blocks, Markdown code fences and prose before or after.
 */
public final class JsonReply {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern THINK = Pattern.compile("(?s)<think>.*?</think>");

  private JsonReply() {}

  /**
   * The first complete JSON object in the reply.
   *
   * @throws IllegalArgumentException saying what was wrong, for the retry prompt
   */
  public static JsonNode parse(String reply) {
    if (reply == null || reply.isBlank()) {
      throw new IllegalArgumentException("the reply was empty");
    }
    String text = THINK.matcher(reply).replaceAll("");
    // An unclosed <think> (a truncated reasoning model) leaves no answer to find.
    int open = text.indexOf("<think>");
    if (open >= 0) {
      text = text.substring(0, open);
    }
    int start = text.indexOf('{');
    if (start < 0) {
      throw new IllegalArgumentException("the reply contained no JSON object");
    }
    int end = matchingBrace(text, start);
    if (end < 0) {
      throw new IllegalArgumentException("the reply's JSON object was not closed (truncated?)");
    }
    try {
      return MAPPER.readTree(text.substring(start, end + 1));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "the reply was not valid JSON: " + e.getOriginalMessage(), e);
    }
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
