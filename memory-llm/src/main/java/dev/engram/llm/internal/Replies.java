package dev.engram.llm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The replies of the pipeline's steps, read leniently: wrong types are coerced, junk entries
 * skipped.
 */
public final class Replies {
  private Replies() {}

  /**
   * An extracted fact.
   *
   * @param text the fact
   * @param about {@code user} or {@code assistant}
   * @param kind {@code semantic}, {@code episodic} or {@code procedural}
   * @param importance 1 to 10
   * @param keywords salient terms
   * @param tags categories
   * @param context one line
   * @param sources 1-based numbers of the messages it came from
   */
  public record Fact(
      String text,
      String about,
      String kind,
      int importance,
      List<String> keywords,
      List<String> tags,
      String context,
      List<Integer> sources) {}

  /**
   * A consolidation decision.
   *
   * @param fact the 1-based fact number
   * @param action ADD, UPDATE, INVALIDATE or NONE (DELETE read as INVALIDATE), or whatever other
   *     word the model wrote, upper-cased, for the pipeline to treat as ADD
   * @param target the existing memory's short id, or empty
   * @param text the merged text of an UPDATE, or empty
   * @param related short ids of related existing memories
   * @param reason why, in words
   */
  public record Decision(
      int fact, String action, String target, String text, List<String> related, String reason) {}

  /**
   * A neighbour refined by evolution.
   *
   * @param id the neighbour's short id
   * @param context its new context line, or empty to keep it
   * @param tags its new tags, or empty to keep them
   */
  public record NeighbourChange(String id, String context, List<String> tags) {}

  /**
   * The most facts one reply may hold (the store's own limit, {@code
   * Engram.Builder.maxFactsPerAdd}, applies after this).
   */
  public static final int MAX_FACTS = 100;

  /** Keys a model may put a fact's text under: ours first, then what other prompts taught it. */
  private static final List<String> FACT_TEXT_KEYS = List.of("text", "fact", "memory");

  /**
   * Reads {@code {"facts": [...]}}. An item may also be a plain string (Mem0's own format) or keep
   * its text under {@code fact} or {@code memory}.
   *
   * @throws IllegalArgumentException if there is no facts array, it has more than {@link
   *     #MAX_FACTS} items, or it has items but none with a text: an answer that dropped every fact
   *     is a failure to retry, not "nothing to remember"
   */
  public static List<Fact> facts(JsonNode root) {
    JsonNode array = root.get("facts");
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException("the JSON object has no \"facts\" array");
    }
    if (array.size() > MAX_FACTS) {
      // A runaway answer: asked again, then the messages are stored verbatim (never dropped).
      throw new IllegalArgumentException(
          "\"facts\" has "
              + array.size()
              + " items; at most "
              + MAX_FACTS
              + " are allowed: keep the most important ones");
    }
    List<Fact> facts = new ArrayList<>();
    for (JsonNode f : array) {
      String text = f.isTextual() ? f.asText() : factText(f);
      if (text.isBlank()) {
        continue;
      }
      facts.add(
          new Fact(
              text.strip(),
              oneOf(text(f, "about"), List.of("user", "assistant"), "user"),
              oneOf(text(f, "kind"), List.of("semantic", "episodic", "procedural"), "semantic"),
              Math.max(1, Math.min(10, integer(f, "importance", 5))),
              strings(f, "keywords"),
              strings(f, "tags"),
              text(f, "context").strip(),
              integers(f, "sources")));
    }
    if (facts.isEmpty() && !array.isEmpty()) {
      throw new IllegalArgumentException(
          "none of the "
              + array.size()
              + " items of \"facts\" had a \"text\"; each fact must be an object with its"
              + " sentence under \"text\"");
    }
    return facts;
  }

  private static String factText(JsonNode f) {
    for (String key : FACT_TEXT_KEYS) {
      JsonNode v = f.get(key);
      if (v != null && v.isValueNode() && !v.isNull() && !v.asText().isBlank()) {
        return v.asText();
      }
    }
    return "";
  }

  /** The decision actions the pipeline acts on; any other is taken as ADD. */
  public static final List<String> ACTIONS = List.of("ADD", "UPDATE", "INVALIDATE", "NONE");

  /** Reads {@code {"decisions": [...]}}; one odd decision never spoils the others. */
  public static List<Decision> decisions(JsonNode root) {
    JsonNode array = root.get("decisions");
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException("the JSON object has no \"decisions\" array");
    }
    List<Decision> out = new ArrayList<>();
    for (JsonNode d : array) {
      String action = text(d, "action").strip().toUpperCase(Locale.ROOT);
      if (action.equals("DELETE")) {
        action = "INVALIDATE"; // a delete never loses the new fact: invalidate and add
      }
      out.add(
          new Decision(
              integer(d, "fact", -1),
              action,
              text(d, "target").strip(),
              text(d, "text").strip(),
              strings(d, "related"),
              text(d, "reason").strip()));
    }
    return out;
  }

  /** Reads {@code {"neighbours": [...]}}. */
  public static List<NeighbourChange> neighbours(JsonNode root) {
    JsonNode array = root.get("neighbours");
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException("the JSON object has no \"neighbours\" array");
    }
    List<NeighbourChange> out = new ArrayList<>();
    for (JsonNode n : array) {
      String id = text(n, "id").strip();
      if (!id.isEmpty()) {
        out.add(new NeighbourChange(id, text(n, "context").strip(), strings(n, "tags")));
      }
    }
    return out;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return "";
    }
    return v.isValueNode() ? v.asText() : v.toString();
  }

  private static int integer(JsonNode n, String field, int fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (v.isNumber()) {
      return (int) Math.round(v.asDouble());
    }
    String s = v.asText().strip();
    try {
      return (int) Math.round(Double.parseDouble(s));
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static String oneOf(String value, List<String> allowed, String fallback) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    return allowed.contains(v) ? v : fallback;
  }

  private static List<String> strings(JsonNode n, String field) {
    JsonNode v = n.get(field);
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (v.isArray()) {
      for (JsonNode item : v) {
        String s = item.isValueNode() ? item.asText().strip() : "";
        if (!s.isEmpty() && s.length() <= 100 && !out.contains(s)) {
          out.add(s);
        }
      }
    } else if (v.isTextual()) {
      for (String s : v.asText().split(",")) {
        if (!s.isBlank() && s.strip().length() <= 100 && !out.contains(s.strip())) {
          out.add(s.strip());
        }
      }
    }
    return out.size() > 16 ? out.subList(0, 16) : out;
  }

  private static List<Integer> integers(JsonNode n, String field) {
    JsonNode v = n.get(field);
    List<Integer> out = new ArrayList<>();
    if (v != null && v.isArray()) {
      for (JsonNode item : v) {
        if (item.canConvertToInt() || item.isTextual()) {
          try {
            out.add(item.isNumber() ? item.asInt() : Integer.parseInt(item.asText().strip()));
          } catch (NumberFormatException e) {
            // ignore a non-number source
          }
        }
      }
    } else if (v != null && v.isNumber()) {
      out.add(v.asInt());
    }
    return out;
  }
}
